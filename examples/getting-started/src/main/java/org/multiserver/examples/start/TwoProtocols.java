package org.multiserver.examples.start;

import java.io.IOException;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/**
 * One server, two protocols, one identity: TCP and WebSockets, both under the secret handshake, prove the same key.
 * Prints the address (one line, both alternatives) and echoes every connection until standard input ends.
 */
public final class TwoProtocols {
    private TwoProtocols() {
    }

    /** A server on loopback: {@code net~shs} and {@code ws~shs} on free ports. Nothing listens yet. */
    public static MultiServer server() {
        return MultiServer.builder()
                .listen("net:127.0.0.1:0~shs")
                .listen("ws://127.0.0.1:0~shs")
                .build(); // no identity given: one fresh key for this MultiServer, shared by both stacks
    }

    /** Echoes what the peer sends until it ends its side. */
    public static void echo(Connection connection) {
        try (var in = connection.input(); var out = connection.output()) {
            in.transferTo(out);
        } catch (IOException e) {
            // the peer went away: nothing to answer
        }
    }

    public static void main(String[] args) throws IOException {
        try (MultiServer ms = server()) {
            MultiServer.Listening server = ms.listen(TwoProtocols::echo).join();
            // net:127.0.0.1:40123~shs:KEY;ws://127.0.0.1:40125~shs:KEY, the same KEY twice
            System.out.println(server.stringify(Scope.DEVICE));
            System.in.transferTo(java.io.OutputStream.nullOutputStream()); // serve until stdin ends
        }
    }
}
