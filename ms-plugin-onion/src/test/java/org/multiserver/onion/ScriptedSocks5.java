package org.multiserver.onion;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A SOCKS5 server on a loopback port that answers every CONNECT with one reply code, for the codes a real proxy
 * cannot be made to send (tor's onion-service codes 0xF0 to 0xF7 need a tor network; this speaks the same bytes).
 * It reads the client's greeting and request as RFC 1928 lays them out, and records the host asked for. After a
 * success reply it writes {@code afterReply} in the same write, as a server that speaks first can make a proxy do,
 * then closes.
 */
final class ScriptedSocks5 implements AutoCloseable {
    private final ServerSocket server;
    private final int reply;
    private final byte[] afterReply;
    private final Thread acceptor;
    /** The host of each CONNECT request, in order. */
    final List<String> hostsAsked = new CopyOnWriteArrayList<>();
    /** Completes with the first error in the exchange (a test would otherwise only see a timeout). */
    final CompletableFuture<Void> broken = new CompletableFuture<>();

    ScriptedSocks5(int reply, byte[] afterReply) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.reply = reply;
        this.afterReply = afterReply;
        this.acceptor = new Thread(this::serve, "scripted-socks5-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    ScriptedSocks5(int reply) throws IOException {
        this(reply, new byte[0]);
    }

    String endpoint() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                answer(s);
            } catch (IOException | RuntimeException e) {
                if (!server.isClosed()) {
                    broken.completeExceptionally(e);
                }
            }
        }
    }

    private void answer(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        // greeting: VER NMETHODS METHODS...; we take "no authentication" (0x00)
        expect(in.readUnsignedByte(), 5, "version in the greeting");
        in.readNBytes(in.readUnsignedByte());
        out.write(new byte[] {5, 0});
        out.flush();
        // request: VER CMD RSV ATYP DST.ADDR DST.PORT; Netty sends a name as ATYP 3 (a length, then the name)
        expect(in.readUnsignedByte(), 5, "version in the request");
        expect(in.readUnsignedByte(), 1, "command (CONNECT)");
        in.readUnsignedByte();
        expect(in.readUnsignedByte(), 3, "address type (a domain name, unresolved)");
        hostsAsked.add(new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.US_ASCII));
        in.readUnsignedShort();
        // reply: VER REP RSV ATYP(1: IPv4) BND.ADDR(0.0.0.0) BND.PORT(0), and for a success the server's first bytes
        byte[] answer = new byte[10 + (reply == 0 ? afterReply.length : 0)];
        answer[0] = 5;
        answer[1] = (byte) reply;
        answer[3] = 1;
        if (reply == 0) {
            System.arraycopy(afterReply, 0, answer, 10, afterReply.length);
        }
        out.write(answer);
        out.flush();
    }

    private static void expect(int got, int wanted, String what) throws IOException {
        if (got != wanted) {
            throw new IOException("SOCKS5 " + what + ": expected " + wanted + ", got " + got);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
