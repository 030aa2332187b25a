package org.multiserver.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.address.Address;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Transport;

/**
 * {@link Transport.Endpoint#connect(java.util.function.Consumer)} on ws: a server that speaks first, right after its
 * 101 answer, must be seen whole by the handler the platform installs in {@code beforeFirstRead}. The server is a
 * raw socket, so it can put its first frames in the very write that carries the 101 (one TCP read for the client),
 * right after it, or a moment later; each of 200 connects picks one at random, with random frame sizes.
 */
@Timeout(120)
class WsDialBeforeFirstReadTest {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int CONNECTS = 200;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    /** What the server sends after the upgrade request, in how many writes and with what pauses. */
    private record Plan(byte[] payload, List<Integer> frameSizes, int mode, long pauseNanos) {
        static Plan random(Random random) {
            byte[] payload = new byte[1 + random.nextInt(5000)];
            random.nextBytes(payload);
            List<Integer> sizes = new ArrayList<>();
            for (int left = payload.length; left > 0; ) {
                int n = Math.min(left, 1 + random.nextInt(1500));
                sizes.add(n);
                left -= n;
            }
            return new Plan(payload, sizes, random.nextInt(3), random.nextInt(200_000));
        }
    }

    @Test
    void aServerThatSpeaksRightAfterThe101IsSeenWholeByTheHandlerInstalledBeforeTheFirstRead() throws Exception {
        Random random = new Random(20261203L);
        List<Plan> plans = new ArrayList<>();
        for (int i = 0; i < CONNECTS; i++) {
            plans.add(Plan.random(random));
        }
        List<String> serverErrors = new CopyOnWriteArrayList<>();
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> serve(listener, plans, serverErrors), "raw-ws-server");
            server.setDaemon(true);
            server.start();
            PluginContext context = PluginContext.builder()
                    .eventLoopGroup(group, NioSocketChannel.class, NioServerSocketChannel.class).build();
            Transport ws = new WsTransportProvider().create(context);
            Transport.Endpoint endpoint = ws.parse(
                    Address.parse("ws://127.0.0.1:" + listener.getLocalPort()).transport()).orElseThrow();
            for (int i = 0; i < CONNECTS; i++) {
                Plan plan = plans.get(i);
                CompletableFuture<byte[]> seen = new CompletableFuture<>();
                List<String> calls = new CopyOnWriteArrayList<>();
                CompletableFuture<Channel> connecting = endpoint.connect(channel -> {
                    calls.add("inEventLoop=" + channel.eventLoop().inEventLoop()
                            + " frames=" + (channel.pipeline().get(WsFrameCodec.NAME) != null));
                    channel.pipeline().addLast("collector", new Collector(plan.payload().length, seen));
                });
                Channel channel;
                try {
                    channel = connecting.get(20, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new AssertionError("connect " + i + " failed; server errors " + serverErrors, e);
                }
                try {
                    byte[] got;
                    try {
                        got = seen.get(10, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        Collector c = (Collector) channel.pipeline().get("collector");
                        throw new AssertionError("connect " + i + " (mode " + plan.mode() + ", frames "
                                + plan.frameSizes() + "): only " + (c == null ? "no collector" : c.got.size()
                                + " of " + plan.payload().length + " bytes") + " reached the handler; pipeline "
                                + channel.pipeline().names());
                    }
                    assertThat(got).as("connect %d (mode %d)", i, plan.mode()).isEqualTo(plan.payload());
                    assertThat(calls).as("beforeFirstRead calls").containsExactly("inEventLoop=true frames=true");
                } finally {
                    channel.close().sync();
                }
            }
            server.join(10_000);
        }
        assertThat(serverErrors).isEmpty();
    }

    /** Collects the bytes that reach the end of the pipeline; completes once it has them all. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        private final ByteArrayOutputStream got = new ByteArrayOutputStream();
        private final int expected;
        private final CompletableFuture<byte[]> seen;

        Collector(int expected, CompletableFuture<byte[]> seen) {
            this.expected = expected;
            this.seen = seen;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                got.writeBytes(bytes);
            } finally {
                buf.release();
            }
            if (got.size() >= expected) {
                seen.complete(got.toByteArray());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            seen.completeExceptionally(cause);
        }
    }

    /** One connection per plan: reads the upgrade request, answers 101 and sends the plan's frames. */
    private static void serve(ServerSocket listener, List<Plan> plans, List<String> errors) {
        for (Plan plan : plans) {
            try (Socket socket = listener.accept()) {
                socket.setSoTimeout(10_000);
                socket.setTcpNoDelay(true);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] upgrade = upgradeAnswer(readRequest(in));
                byte[] frames = frames(plan);
                switch (plan.mode()) {
                    case 0 -> out.write(concat(upgrade, frames)); // one write: one read for the client
                    case 1 -> {
                        out.write(upgrade);
                        out.write(frames);
                    }
                    default -> {
                        out.write(upgrade);
                        LockSupport.parkNanos(plan.pauseNanos());
                        out.write(frames);
                    }
                }
                out.flush();
                // The client closes with a close frame and waits for ours: answer it, then hang up.
                if (in.read() != 0x88) {
                    throw new IOException("expected the client's close frame");
                }
                out.write(new byte[] {(byte) 0x88, 2, 0x03, (byte) 0xe8});
                out.flush();
            } catch (IOException | RuntimeException e) {
                errors.add(e.toString());
                return;
            }
        }
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        while (!request.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the client closed before the end of its request");
            }
            request.write(b);
        }
        return request.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] upgradeAnswer(String request) {
        String key = request.lines().filter(l -> l.toLowerCase().startsWith("sec-websocket-key:"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElseThrow();
        String accept;
        try {
            accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The plan's payload as unmasked binary frames, as a server sends them. */
    private static byte[] frames(Plan plan) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        for (int size : plan.frameSizes()) {
            out.write(0x82);
            if (size < 126) {
                out.write(size);
            } else {
                out.write(126);
                out.write(size >>> 8);
                out.write(size);
            }
            out.write(plan.payload(), at, size);
            at += size;
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
