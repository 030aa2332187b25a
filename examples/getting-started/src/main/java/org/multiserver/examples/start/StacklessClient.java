package org.multiserver.examples.start;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;

/**
 * A client with no stacks of its own: {@link MultiServer#client()} dials any address the plugins on the class path
 * understand. Sends the second argument (default {@code hello}) to the address in the first, prints the reply and
 * the key the server proved.
 */
public final class StacklessClient {
    private StacklessClient() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: StacklessClient ADDRESS [MESSAGE]");
            System.exit(2);
        }
        String message = args.length > 1 ? args[1] : "hello";
        try (MultiServer client = MultiServer.client()) {
            Connection c;
            try {
                c = client.connect(args[0]).join();
            } catch (CompletionException e) {
                // no plugin here understands the address, a port refused, a handshake failed: the reasons, no trace
                System.err.println(e.getCause().getMessage());
                System.exit(1);
                return;
            }
            try (c) {
                c.output().write(message.getBytes(StandardCharsets.UTF_8));
                c.output().close(); // ends our side: the server's echo ends, and so does our input
                System.out.println(new String(c.input().readAllBytes(), StandardCharsets.UTF_8));
                System.out.println("via " + c.remoteAddress() + ", server key " + c.peerIdentity().orElse("(none)"));
            }
        }
    }
}
