package org.multiserver.examples.start;

// README:begin
import java.nio.charset.StandardCharsets;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
// README:end

/**
 * The root README's snippet, as it is there: between the README markers, this file is the README's java block
 * (ms-examples compares them). An echo server on net~shs and ws~shs with one identity, and a client that dials
 * its address; prints {@code hello}.
 */
public final class ReadmeSnippet {
    private ReadmeSnippet() {
    }

    public static void main(String[] args) throws Exception {
        // README:begin
        try (MultiServer ms = MultiServer.of("net:127.0.0.1:0~shs", "ws://127.0.0.1:0~shs")) { // one identity for both
            MultiServer.Listening server = ms.serve(c -> c.input().transferTo(c.output())); // echo until the peer ends
            String address = server.stringify(); // net:127.0.0.1:40123~shs:KEY;ws://127.0.0.1:40124~shs:KEY
            try (Connection c = ms.connect(address).join()) { // the first alternative, net
                c.output().write("hello".getBytes(StandardCharsets.UTF_8));
                c.output().close(); // ends our side (a half-close): the echo ends, and so does our input
                System.out.println(new String(c.input().readAllBytes(), StandardCharsets.UTF_8)); // hello
            }
        }
        // README:end
    }
}
