package org.multiserver.onion;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;

/**
 * SOCKS5 reply codes as the client reports them, from {@link ScriptedSocks5}, a loopback server that speaks the
 * protocol's bytes: tor's onion-service codes (ExtendedErrors) cannot be had from microsocks, and a real tor sends
 * them only on a Tor network (ms-tor-e2e dials a removed service on one). The codes microsocks does send are
 * checked against it in {@link OnionThroughMicrosocksTest}.
 */
@Timeout(30)
class SocksRepliesTest {
    private static final String ONION = "onion:" + OnionAddressTest.TORPROJECT + ":8008";
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closing.add(c);
        return c;
    }

    private MultiServer client(ScriptedSocks5... proxies) {
        List<String> endpoints = new ArrayList<>();
        for (ScriptedSocks5 p : proxies) {
            endpoints.add(p.endpoint());
        }
        return track(MultiServer.builder().option(OnionOptions.SOCKS, endpoints)
                .option(OnionOptions.CONNECT_TIMEOUT, Duration.ofSeconds(10)).listen("onion").build());
    }

    @ParameterizedTest(name = "0x{0}")
    @CsvSource(delimiter = '|', value = {
        "F0|onion service descriptor can not be found: the service is not published, or not yet",
        "F1|onion service descriptor is invalid",
        "F2|onion service introduction failed: the service is no longer at its introduction points, it is likely"
                + " not running",
        "F3|onion service rendezvous failed",
        "F4|onion service missing client authorization",
        "F5|onion service wrong client authorization",
        "F6|onion service address is invalid",
        "F7|onion service introduction timed out",
    })
    void torsOnionServiceCodesSayTheServiceIsNotReachable(String hex, String words) throws Exception {
        ScriptedSocks5 tor = track(new ScriptedSocks5(Integer.parseInt(hex, 16)));
        String reason = OnionThroughMicrosocksTest.connectError(client(tor), ONION);
        assertThat(reason).isEqualTo(ONION + ": the onion service is not reachable: SOCKS proxy " + tor.endpoint()
                + ": answered 0x" + hex + " (" + words + ")");
        assertThat(tor.hostsAsked).containsExactly(OnionAddressTest.TORPROJECT);
    }

    @ParameterizedTest(name = "0x0{0}")
    @CsvSource(delimiter = '|', value = {
        "1|general SOCKS server failure",
        "2|connection not allowed by ruleset",
        "3|network unreachable",
        "4|host unreachable",
        "5|connection refused",
        "6|TTL expired: tor gave up waiting for a circuit or an answer",
        "7|command not supported",
        "8|address type not supported",
    })
    void rfc1928CodesAreTheProxysAnswerInWords(int code, String words) throws Exception {
        ScriptedSocks5 proxy = track(new ScriptedSocks5(code));
        assertThat(OnionThroughMicrosocksTest.connectError(client(proxy), ONION)).isEqualTo(ONION + ": SOCKS proxy "
                + proxy.endpoint() + ": answered 0x0" + code + " (" + words + ")");
    }

    @Test
    void anUnknownCodeIsShownAsANumber() throws Exception {
        ScriptedSocks5 proxy = track(new ScriptedSocks5(0x42));
        assertThat(OnionThroughMicrosocksTest.connectError(client(proxy), ONION)).isEqualTo(ONION + ": SOCKS proxy "
                + proxy.endpoint() + ": answered 0x42 (unknown reply code)");
    }

    @Test
    void torsVerdictOnTheServiceEndsTheDialButAProxyFailureTriesTheNext() throws Exception {
        ScriptedSocks5 refusing = track(new ScriptedSocks5(0x05));
        ScriptedSocks5 tor = track(new ScriptedSocks5(0xF2));
        ScriptedSocks5 torBrowser = track(new ScriptedSocks5(0xF2));
        String reason = OnionThroughMicrosocksTest.connectError(client(refusing, tor, torBrowser), ONION);
        assertThat(reason).startsWith(ONION + ": the onion service is not reachable: SOCKS proxy "
                + refusing.endpoint() + ": answered 0x05 (connection refused); SOCKS proxy " + tor.endpoint()
                + ": answered 0xF2 (onion service introduction failed");
        // the same Tor network would say the same through another tor: not asked
        assertThat(torBrowser.hostsAsked).isEmpty();
        assertThat(refusing.hostsAsked).hasSize(1);
    }

    @Test
    void bytesInThePacketOfTheSocksAnswerReachTheReader() throws Exception {
        // A server that speaks first, seen through a proxy that sends its reply and those bytes in one write: they
        // arrive in the read that ends the SOCKS exchange, before the dial has completed.
        byte[] greeting = "hello from a server that speaks first\n".getBytes(StandardCharsets.US_ASCII);
        ScriptedSocks5 proxy = track(new ScriptedSocks5(0, greeting));
        MultiServer client = client(proxy);
        for (int i = 0; i < 50; i++) {
            Connection c = client.connect("onion:localhost:1").get(10, TimeUnit.SECONDS);
            assertThat(c.input().readAllBytes()).as("connection %d", i).isEqualTo(greeting);
            c.close();
        }
        assertThat(proxy.broken).isNotCompletedExceptionally();
    }
}
