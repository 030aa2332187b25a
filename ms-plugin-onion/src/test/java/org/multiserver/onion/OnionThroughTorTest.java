package org.multiserver.onion;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiserver.core.MultiServer;

/**
 * The onion client through a real tor's SOCKS port, on a tor that cannot reach any relay (see
 * {@link TorProcess#isolated}): it takes the SOCKS request and never gets anywhere, so the client must fail clearly
 * and within its timeout, never hang.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class OnionThroughTorTest {
    @TempDir
    static Path dir;

    private TorProcess tor;
    private final List<MultiServer> clients = new ArrayList<>();

    @BeforeAll
    void startTor() throws Exception {
        tor = TorProcess.isolated(dir);
    }

    @AfterAll
    void stopTor() throws Exception {
        if (tor != null) {
            tor.close();
        }
    }

    @AfterEach
    void closeClients() {
        clients.forEach(MultiServer::close);
    }

    private MultiServer client(Duration timeout) {
        MultiServer ms = MultiServer.builder().option(OnionOptions.SOCKS, List.of("127.0.0.1:" + tor.socksPort()))
                .option(OnionOptions.CONNECT_TIMEOUT, timeout).listen("onion~shs").build();
        clients.add(ms);
        return ms;
    }

    private void torGivesUpAfter(int seconds) throws Exception {
        try (TorControlClient control = new TorControlClient(tor)) {
            assertThat(control.command("SETCONF SocksTimeout=" + seconds)).containsExactly("250 OK");
        }
    }

    @Test
    void whenTorStaysSilentOurTimeoutEndsTheAttempt() throws Exception {
        torGivesUpAfter(120);
        String address = "onion:" + OnionAddressTest.TORPROJECT + ":8008";
        long start = System.nanoTime();
        String reason = OnionThroughMicrosocksTest.connectError(client(Duration.ofSeconds(2)), address
                + "~shs:DTNmX+4SjsgZ7xyDh5xxmNtFqa6pWi5Qtw7cE8aR9TQ=");
        assertThat(reason).isEqualTo(address + ": SOCKS proxy 127.0.0.1:" + tor.socksPort()
                + ": no answer to the SOCKS request within 2000 ms");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(10);
    }

    @Test
    void whenTorGivesUpItsReplyIsReportedInWords() throws Exception {
        torGivesUpAfter(2);
        String address = "onion:" + OnionAddressTest.TORPROJECT + ":8008";
        String reason = OnionThroughMicrosocksTest.connectError(client(Duration.ofSeconds(20)), address
                + "~shs:DTNmX+4SjsgZ7xyDh5xxmNtFqa6pWi5Qtw7cE8aR9TQ=");
        assertThat(reason).isEqualTo(address + ": SOCKS proxy 127.0.0.1:" + tor.socksPort()
                + ": answered 0x06 (TTL expired: tor gave up waiting for a circuit or an answer)");
    }
}
