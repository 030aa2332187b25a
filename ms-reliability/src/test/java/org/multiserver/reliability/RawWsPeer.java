package org.multiserver.reliability;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Random;

/**
 * A WebSocket client written by hand over a plain socket, so a hostile test peer can put every byte where it wants:
 * masked (or unmasked) frames of any size and opcode, cut into TCP writes at chosen boundaries. Its reader hands up
 * the payloads of binary and continuation frames as one byte stream, and answers the server's close frame (so a
 * closing server does not wait for us). Reads time out after the given bound, so no test can hang on them.
 */
final class RawWsPeer implements AutoCloseable {
    static final int CONTINUATION = 0x0;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Random masks;
    /** The status of the server's close frame once one came, else -2 (-1: one without a status). */
    private int closeStatus = -2;

    RawWsPeer(InetSocketAddress server, Duration readTimeout, long seed) throws IOException {
        socket = new Socket();
        socket.connect(server, 5_000);
        socket.setSoTimeout((int) readTimeout.toMillis());
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        masks = new Random(seed);
    }

    Socket socket() {
        return socket;
    }

    /** A valid RFC 6455 upgrade request for {@code /}. */
    static String upgradeRequest() {
        byte[] key = new byte[16];
        new Random().nextBytes(key);
        return "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
    }

    /** Upgrades; fails unless the server answers 101. */
    void upgrade() throws IOException {
        write(upgradeRequest().getBytes(StandardCharsets.ISO_8859_1));
        String head = readHttpHead();
        if (!head.startsWith("HTTP/1.1 101 ")) {
            throw new IOException("the server refused the upgrade: " + head);
        }
    }

    /** The status line and headers of the server's HTTP answer, up to the blank line. */
    String readHttpHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the server closed during its HTTP answer: '" + head + "'");
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** One frame as a client writes it (masked), or unmasked against the rules. */
    byte[] frame(boolean fin, int opcode, byte[] payload, boolean masked) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        int maskBit = masked ? 0x80 : 0;
        frame.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            frame.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            frame.write(maskBit | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        } else {
            frame.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift));
            }
        }
        byte[] mask = new byte[4];
        if (masked) {
            masks.nextBytes(mask);
            frame.write(mask, 0, 4);
        }
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        return frame.toByteArray();
    }

    /** {@code bytes} as masked binary frames cut at random sizes, some as one fragmented message. */
    byte[] binaryFrames(byte[] bytes, Random random) {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        boolean inMessage = false;
        for (int at = 0; at < bytes.length; ) {
            int n = Math.min(bytes.length - at, 1 + random.nextInt(Math.max(1, Math.min(bytes.length, 3000))));
            byte[] part = java.util.Arrays.copyOfRange(bytes, at, at + n);
            at += n;
            boolean last = at == bytes.length;
            boolean fin = last || random.nextBoolean();
            frames.writeBytes(frame(fin, inMessage ? CONTINUATION : BINARY, part, true));
            inMessage = !fin;
        }
        return frames.toByteArray();
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Writes {@code bytes} in TCP writes of random sizes (the server's reads see other boundaries each time). */
    void writeInChunks(byte[] bytes, Random random) throws IOException {
        for (int at = 0; at < bytes.length; ) {
            int n = Math.min(bytes.length - at, 1 + random.nextInt(Math.max(1, bytes.length / 3 + 1)));
            out.write(bytes, at, n);
            out.flush();
            at += n;
        }
    }

    /** Sends a close frame with {@code status}. */
    void sendClose(int status) throws IOException {
        write(frame(true, CLOSE, new byte[] {(byte) (status >>> 8), (byte) status}, true));
    }

    /** The payloads of the server's binary frames as a stream; a close frame (answered) or the TCP end ends it. */
    InputStream payloads() {
        return new InputStream() {
            private byte[] current = new byte[0];
            private int at;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0; // readNBytes asks for 0 bytes once it has them all: never wait for a frame then
                }
                while (at == current.length) {
                    byte[] next = nextPayload();
                    if (next == null) {
                        return -1;
                    }
                    current = next;
                    at = 0;
                }
                int n = Math.min(len, current.length - at);
                System.arraycopy(current, at, b, off, n);
                at += n;
                return n;
            }
        };
    }

    /** The next binary or continuation payload; null at the end (a close frame, answered, or the TCP end). */
    private byte[] nextPayload() throws IOException {
        while (true) {
            int first = in.read();
            if (first < 0) {
                return null;
            }
            int second = readByte();
            long length = second & 0x7f;
            if (length == 126) {
                length = (readByte() << 8) | readByte();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | readByte();
                }
            }
            if ((second & 0x80) != 0) {
                throw new IOException("the server sent a masked frame");
            }
            byte[] payload = in.readNBytes(Math.toIntExact(length));
            if (payload.length < length) {
                throw new EOFException("the server closed inside a frame");
            }
            int opcode = first & 0x0f;
            if (opcode == CLOSE) {
                closeStatus = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
                try {
                    write(frame(true, CLOSE, payload.length >= 2 ? java.util.Arrays.copyOf(payload, 2) : payload,
                            true));
                } catch (IOException e) {
                    // the server already hung up
                }
                return null;
            }
            if (opcode == BINARY || opcode == CONTINUATION) {
                return payload;
            }
            // pings and pongs carry no stream bytes
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the server closed inside a frame header");
        }
        return b;
    }

    /** The status of the server's close frame, -1 for one without a status, -2 if none came. */
    int closeStatus() {
        return closeStatus;
    }

    /**
     * Reads (and drops) until the server hangs up: its close frame, answered, then the TCP end, or a reset. A read
     * timeout fails: the server kept a hostile peer.
     */
    void readUntilTheServerHangsUp() throws IOException {
        try {
            InputStream payloads = payloads();
            while (payloads.read(new byte[4096]) >= 0) {
                // dropped
            }
            while (in.read(new byte[256]) >= 0) {
                // after the close frame: until the TCP end
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open past the read timeout", e);
        } catch (SocketException reset) {
            // closed with our bytes unread: a hang-up too
        }
    }

    /** Ends with a TCP reset (linger 0) instead of a FIN. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
