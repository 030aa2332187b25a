package org.multiserver.shs2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

class EchoSmokeTest {
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void echoOverNet() throws Exception {
        try (MultiServer ms = MultiServer.builder().listen("net:127.0.0.1:0~shs2").listen("net:127.0.0.1:0~shs").build()) {
            MultiServer.Listening server = ms.listen(connection -> {
                try (var in = connection.input(); var out = connection.output()) {
                    in.transferTo(out);
                } catch (java.io.IOException e) {
                    // peer went away
                }
            }).join();
            String address = server.stringify(Scope.DEVICE);
            System.out.println(address);
            Connection c = ms.connect(address).get(10, TimeUnit.SECONDS);
            System.out.println(c.remoteAddress());
            byte[] data = new byte[1_000_003];
            new Random(1).nextBytes(data);
            Thread writer = new Thread(() -> {
                try (OutputStream out = c.output()) {
                    out.write(data);
                } catch (java.io.IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            try (InputStream in = c.input()) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
            writer.join();
        }
    }
}
