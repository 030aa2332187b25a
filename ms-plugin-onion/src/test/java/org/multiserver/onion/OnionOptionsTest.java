package org.multiserver.onion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.MultiServer;

@Timeout(30)
class OnionOptionsTest {

    @Test
    void defaultsFollowTheJsPluginAndTorsOwnPorts() {
        assertThat(OnionOptions.SOCKS.defaultValue()).containsExactly("127.0.0.1:9050", "127.0.0.1:9150");
        assertThat(OnionOptions.CONTROL.defaultValue()).isEqualTo("127.0.0.1:9051");
        assertThat(OnionOptions.VIRTUAL_PORT.defaultValue()).isEqualTo(8008);
        assertThat(OnionOptions.CONNECT_TIMEOUT.defaultValue()).isNull();
    }

    @Test
    void optionsParseFromText() {
        assertThat(OnionOptions.SOCKS.parse(" 127.0.0.1:9050 , [::1]:9150 ")).containsExactly("127.0.0.1:9050",
                "[::1]:9150");
        assertThat(OnionOptions.CONNECT_TIMEOUT.parse("30")).isEqualTo(Duration.ofSeconds(30));
        assertThat(OnionOptions.CONNECT_TIMEOUT.parse("45s")).isEqualTo(Duration.ofSeconds(45));
        assertThat(OnionOptions.CONNECT_TIMEOUT.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(OnionOptions.CONNECT_TIMEOUT.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(OnionOptions.CONNECT_TIMEOUT.parse("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> OnionOptions.CONNECT_TIMEOUT.parse("soon"))
                .hasMessage("option onion.connect-timeout: expected a duration such as 30s, 500ms or PT1M, got 'soon'");
        assertThatThrownBy(() -> OnionOptions.CONNECT_TIMEOUT.parse("0"))
                .hasMessage("option onion.connect-timeout: expected a positive duration, got '0'");
        assertThatThrownBy(() -> MultiServer.builder().option(OnionOptions.CONNECT_TIMEOUT, Duration.ZERO)
                .listen("onion").build()).hasMessage("option onion.connect-timeout must be positive, got PT0S");
        assertThat(TorEndpoint.parse("x", "[::1]:9050")).isEqualTo(new TorEndpoint("::1", 9050));
        assertThat(TorEndpoint.parse("x", "[::1]:9050").toString()).isEqualTo("[::1]:9050");
    }

    @Test
    void aMalformedProxyListFailsWhenTheStackIsBuilt() {
        assertThatThrownBy(() -> MultiServer.builder().option("onion.socks", "localhost").listen("onion").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("option onion.socks: expected host:port, as in 127.0.0.1:9050, got 'localhost'");
        assertThatThrownBy(() -> MultiServer.builder().option(OnionOptions.SOCKS, List.of()).listen("onion").build())
                .hasMessage("option onion.socks lists no proxy");
    }

    @Test
    void withoutTorTheErrorNamesTheDaemonAndTorBrowser() throws Exception {
        assumeThat(listening(9050) || listening(9150)).as("a tor on 9050 or 9150 on this machine").isFalse();
        try (MultiServer client = MultiServer.builder().listen("onion").build()) {
            String reason = OnionThroughMicrosocksTest.connectError(client, "onion:" + OnionAddressTest.TORPROJECT
                    + ":8008");
            assertThat(reason).isEqualTo("onion:" + OnionAddressTest.TORPROJECT + ":8008: SOCKS proxy 127.0.0.1:9050:"
                    + " connection refused (no proxy listens there: is tor running?); SOCKS proxy 127.0.0.1:9150:"
                    + " connection refused (no proxy listens there: is tor running?)");
        }
    }

    private static boolean listening(int port) {
        try {
            new Socket(InetAddress.getLoopbackAddress(), port).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
