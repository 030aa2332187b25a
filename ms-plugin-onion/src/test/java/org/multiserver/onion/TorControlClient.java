package org.multiserver.onion;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The test's own view of tor's control port, written apart from the code under test: a blocking socket, plain
 * cookie authentication, one command at a time.
 */
final class TorControlClient implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    TorControlClient(TorProcess tor) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), tor.controlPort());
        socket.setSoTimeout(10_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        out = socket.getOutputStream();
        List<String> auth = command("AUTHENTICATE " + HexFormat.of().formatHex(Files.readAllBytes(tor.cookieFile())));
        if (!auth.get(auth.size() - 1).startsWith("250")) {
            throw new IOException("authentication failed: " + auth);
        }
    }

    /** The reply lines, whole (status included). */
    List<String> command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        List<String> reply = new ArrayList<>();
        boolean data = false;
        for (String l; (l = in.readLine()) != null; ) {
            reply.add(l);
            if (data) {
                data = !l.equals(".");
            } else if (l.length() >= 4 && l.charAt(3) == '+') {
                data = true;
            } else if (l.length() >= 4 && l.charAt(3) == ' ') {
                return reply;
            }
        }
        throw new IOException("tor closed the control connection; got " + reply);
    }

    /** The ids of the onion services tor runs for any controller. */
    String currentOnions() throws IOException {
        return String.join("\n", command("GETINFO onions/current"));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
