package org.multiserver.onion;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/** Password authentication on a real tor with {@code HashedControlPassword} and no cookie. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class TorPasswordTest {
    private static final String PASSWORD = "correct \"horse\" \\ battery";

    @TempDir
    static Path dir;

    private TorProcess tor;
    private final List<MultiServer> servers = new ArrayList<>();

    @BeforeAll
    void startTor() throws Exception {
        tor = TorProcess.withoutNetwork(dir, "CookieAuthentication 0",
                "HashedControlPassword " + TorProcess.hashPassword(PASSWORD));
    }

    @AfterAll
    void stopTor() throws Exception {
        if (tor != null) {
            tor.close();
        }
    }

    @AfterEach
    void closeServers() {
        servers.forEach(MultiServer::close);
    }

    private MultiServer server(String password) {
        MultiServer.Builder b = MultiServer.builder().option(OnionOptions.CONTROL, "127.0.0.1:" + tor.controlPort())
                .listen("onion");
        if (password != null) {
            b.option(OnionOptions.CONTROL_PASSWORD, password);
        }
        MultiServer ms = b.build();
        servers.add(ms);
        return ms;
    }

    private String listenError(String password) throws Exception {
        try {
            server(password).listen(c -> c.close()).get(20, TimeUnit.SECONDS);
            throw new AssertionError("listen succeeded, expected a failure");
        } catch (ExecutionException e) {
            return e.getCause().getMessage();
        }
    }

    @Test
    void theRightPasswordPublishes() throws Exception {
        String address = server(PASSWORD).listen(c -> c.close()).get(20, TimeUnit.SECONDS).stringify(Scope.PUBLIC);
        assertThat(address).matches("onion:[a-z2-7]{56}\\.onion:8008");
    }

    @Test
    void aWrongPasswordIsRefusedWithoutShowingIt() throws Exception {
        String error = listenError("wrong");
        assertThat(error).startsWith("could not listen on onion: tor's control port at 127.0.0.1:"
                + tor.controlPort() + " refused authentication with the password: 515 ").doesNotContain("wrong");
    }

    @Test
    void noPasswordSaysWhichOptionToSet() throws Exception {
        assertThat(listenError(null)).isEqualTo("could not listen on onion: tor's control port at 127.0.0.1:"
                + tor.controlPort() + " wants a password: set onion.control-password");
    }
}
