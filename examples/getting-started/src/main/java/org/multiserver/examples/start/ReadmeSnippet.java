package org.multiserver.examples.start;

// README:begin
import java.nio.charset.StandardCharsets;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;
// README:end

/**
 * The root README's snippet, as it is there: between the README markers, this file is the README's java block
 * (ms-examples compares them). An echo server on net~shs and a client that dials its address; prints {@code hello}.
 */
public final class ReadmeSnippet {
    private ReadmeSnippet() {
    }

    public static void main(String[] args) throws java.io.IOException {
        // README:begin
        try (MultiServer ms = MultiServer.builder().listen("net:127.0.0.1:0~shs").build()) {
            MultiServer.Listening server = ms.listen(connection -> {
                try (var in = connection.input(); var out = connection.output()) {
                    in.transferTo(out); // echo until the peer ends its side
                } catch (java.io.IOException e) { /* peer went away */ }
            }).join();
            String address = server.stringify(Scope.DEVICE); // net:127.0.0.1:40123~shs:<our key>
            try (Connection c = ms.connect(address).join()) {
                c.output().write("hello".getBytes(StandardCharsets.UTF_8));
                c.output().close(); // ends our side (a half-close): the echo ends, and so does our input
                System.out.println(new String(c.input().readAllBytes(), StandardCharsets.UTF_8)); // hello
            }
        }
        // README:end
    }
}
