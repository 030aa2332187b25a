package org.multiserver.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.RawShs;
import org.multiserver.shs.ShsKeyPair;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.testing.NettyLeakDetection;

/**
 * Hostile box-stream input through real sockets, over net~shs and over ws~shs, at random: a peer does the real
 * handshake ({@link RawShs}), sends a few good frames, then damage (a flipped bit anywhere in a frame, a length over
 * 4096, data after the goodbye, or a cut at any byte followed by a FIN, a close frame or a reset), in TCP writes of
 * random sizes; over ws the stream is also cut into masked frames of random sizes, some fragmented. Whatever the
 * boundaries, the server's application reads exactly the good frames' bytes and then the one error the damage
 * calls for (or its clean end after a goodbye), the server hangs up on a peer that stays, and an honest client's
 * echo on a connection held open through every try still answers. After each property nothing leaked (PARANOID);
 * after all of them the heap after GC is back near its baseline.
 */
class BoxStreamSocketFuzzTest {
    /** Tries per transport: modest, so the module's run stays short (each try is a real handshake). */
    private static final int TRIES = 200;
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final long HEAP_SLACK = 16L << 20;
    private static final byte[] AFTER = "valid, sent after the damage".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static MultiServer server;
    private static MultiServer client;
    private static ShsKeyPair honestKeys;
    private static String netAddress;
    private static String wsAddress;
    private static byte[] serverKey;
    private static Connection honestNet;
    private static Connection honestWs;
    private static Rel.Uncaught uncaught;
    private static final Rel.ServerErrors errors = new Rel.ServerErrors();
    private static final String VIOLATION = "shs: box-stream data after the goodbye (";
    private static long heapBefore;
    private static long started;
    private static final AtomicInteger tries = new AtomicInteger();
    private static final AtomicInteger failures = new AtomicInteger();
    private static final BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();

    /** What the server's application read from a hostile peer: every byte, then "end" or the error's message. */
    private record Outcome(byte[] bytes, String end) {
    }

    @BeforeContainer
    static void start() throws Exception {
        NettyLeakDetection.install();
        uncaught = new Rel.Uncaught();
        honestKeys = ShsKeyPair.generate();
        server = MultiServer.builder().listen("net:127.0.0.1:0~shs").listen("ws://127.0.0.1:0~shs")
                .handshakeTimeout(Duration.ofSeconds(5)).onServerError(errors).build();
        String address = server.listen(BoxStreamSocketFuzzTest::serve).get(10, TimeUnit.SECONDS)
                .stringify(org.multiserver.spi.Scope.DEVICE);
        for (String alternative : address.split(";")) {
            if (alternative.startsWith("net:")) {
                netAddress = alternative;
            } else if (alternative.startsWith("ws:")) {
                wsAddress = alternative;
            }
        }
        serverKey = RawShs.serverKey(netAddress);
        client = MultiServer.builder().option(ShsTransformProvider.KEYS, honestKeys)
                .listen("net~shs").listen("ws~shs").build();
        honestNet = client.connect(netAddress).get(10, TimeUnit.SECONDS);
        honestWs = client.connect(wsAddress).get(10, TimeUnit.SECONDS);
        Rel.ping(honestNet);
        Rel.ping(honestWs);
        heapBefore = Rel.usedHeapAfterGc();
        started = System.nanoTime();
    }

    @AfterContainer
    static void stop() {
        long millis = (System.nanoTime() - started) / 1_000_000;
        honestNet.close();
        honestWs.close();
        client.close();
        server.close();
        uncaught.close();
        long heapAfter = Rel.usedHeapAfterGc();
        Figures.report("socket-fuzz", String.format("box-stream over net~shs and ws~shs: %d tries in %d ms, %d"
                + " failed; heap after GC %.1f MiB before, %.1f MiB after", tries.get(), millis, failures.get(),
                heapBefore / 1048576.0, heapAfter / 1048576.0));
        assertThat(heapAfter - heapBefore).as("heap growth after GC over every try").isLessThan(HEAP_SLACK);
    }

    @AfterProperty
    void nothingLeaked() throws Exception {
        try (MultiServer fresh = MultiServer.builder().option(ShsTransformProvider.KEYS, honestKeys)
                .listen("net~shs").listen("ws~shs").build()) {
            for (String address : List.of(netAddress, wsAddress)) {
                byte[] data = Rel.random(20_000, 3);
                assertThat(Rel.roundTrip(fresh.connect(address).get(10, TimeUnit.SECONDS), data)).isEqualTo(data);
            }
        }
        assertThat(uncaught.seen).as("uncaught exceptions").isEmpty();
        assertThat(NettyLeakDetection.collect()).as("Netty buffer leaks").isNull();
    }

    /** The honest client is echoed; every other peer is read to its end and reported. */
    private static void serve(Connection connection) {
        if (connection.peerIdentity().orElse("").equals(honestKeys.publicKeyBase64())) {
            Rel.echo(connection);
            return;
        }
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (InputStream in = connection.input()) {
            byte[] buffer = new byte[4096];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                got.write(buffer, 0, n);
            }
            outcomes.add(new Outcome(got.toByteArray(), "end"));
        } catch (IOException e) {
            outcomes.add(new Outcome(got.toByteArray(), String.valueOf(e.getMessage())));
        }
        connection.abort();
    }

    enum Kind { FLIP, LENGTH, GOODBYE_THEN_DATA, CUT }

    /** How a cut ends the connection. */
    enum Ending { FIN, CLOSE_FRAME, RESET }

    /**
     * One try: the good frames' body sizes, the damage, where it lands ({@code position}, reduced modulo what it
     * applies to), the length announced for {@link Kind#LENGTH}, how a cut ends, and the seed of the boundaries.
     */
    record Plan(List<Integer> goodSizes, Kind kind, int position, int announced, Ending ending, long seed) {
    }

    @Provide
    Arbitrary<Plan> plans() {
        return Combinators.combine(
                Arbitraries.integers().between(1, 4096).list().ofMaxSize(3),
                Arbitraries.of(Kind.class),
                Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.integers().between(4097, 65535),
                Arbitraries.of(Ending.class),
                Arbitraries.longs()).as(Plan::new);
    }

    @Property(tries = TRIES)
    void hostileBoxStreamOverNet(@ForAll("plans") Plan plan) throws Exception {
        run(plan, false);
    }

    @Property(tries = TRIES)
    void hostileBoxStreamOverWs(@ForAll("plans") Plan plan) throws Exception {
        run(plan, true);
    }

    private void run(Plan plan, boolean ws) throws Exception {
        tries.incrementAndGet();
        try {
            tryOnce(plan, ws);
        } catch (Exception | AssertionError e) {
            failures.incrementAndGet();
            throw e;
        }
    }

    private void tryOnce(Plan plan, boolean ws) throws Exception {
        Random random = new Random(plan.seed());
        List<byte[]> bodies = new ArrayList<>();
        for (int size : plan.goodSizes()) {
            bodies.add(Rel.random(size, random.nextLong()));
        }
        RawShs shs = new RawShs(serverKey);
        InetSocketAddress target = endpoint(ws ? wsAddress : netAddress);
        try (Peer peer = ws ? new WsPeer(target, plan.seed()) : new NetPeer(target)) {
            try {
                shs.handshake(peer.in(), peer.out());
            } catch (IllegalArgumentException | IOException e) {
                throw new AssertionError("the handshake failed; server errors " + errors.all, e);
            }
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            List<Integer> frameEnds = new ArrayList<>();
            for (byte[] body : bodies) {
                stream.writeBytes(shs.frame(body));
                frameEnds.add(stream.size());
            }
            int frame = bodies.size() + 1; // the number of the frame the damage is in
            String expected;
            byte[] delivered = concat(bodies);
            switch (plan.kind()) {
                case FLIP -> {
                    byte[] bad = shs.frame(Rel.random(1 + plan.position() % 300, random.nextLong()));
                    int at = plan.position() % bad.length;
                    bad[at] ^= (byte) (1 << (plan.position() / bad.length % 8));
                    stream.writeBytes(bad);
                    stream.writeBytes(shs.frame(AFTER));
                    expected = "shs: box-stream " + (at < 34 ? "header " : "body ") + frame
                            + " failed authentication (corrupted or forged data)";
                }
                case LENGTH -> {
                    stream.writeBytes(shs.frameAnnouncing(plan.announced(), Rel.random(100, random.nextLong())));
                    expected = "shs: box-stream frame " + frame + " announces a body of " + plan.announced()
                            + " bytes, over the 4096-byte limit";
                }
                case GOODBYE_THEN_DATA -> {
                    stream.writeBytes(shs.goodbye());
                    stream.writeBytes(shs.frame(AFTER));
                    expected = "end";
                }
                default -> {
                    stream.writeBytes(shs.frame(AFTER));
                    frameEnds.add(stream.size());
                    int cut = plan.position() % stream.size();
                    byte[] whole = stream.toByteArray();
                    stream.reset();
                    stream.write(whole, 0, cut);
                    List<byte[]> before = new ArrayList<>();
                    for (int i = 0; i < frameEnds.size(); i++) {
                        if (frameEnds.get(i) <= cut) {
                            before.add(i < bodies.size() ? bodies.get(i) : AFTER);
                        }
                    }
                    delivered = concat(before);
                    expected = null; // an error: which layer words it depends on the ending
                }
            }
            long violations = errors.count(VIOLATION);
            peer.send(stream.toByteArray(), random);
            if (plan.kind() == Kind.CUT) {
                peer.end(plan.ending());
            }
            Rel.ping(ws ? honestWs : honestNet); // the server serves the honest client meanwhile
            if (plan.kind() != Kind.CUT) {
                peer.readUntilTheServerHangsUp(); // we stay: the server must hang up by itself
            }
            Outcome outcome = outcomes.poll(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).as("the application's read ended").isNotNull();
            assertThat(outcome.bytes()).as("exactly the frames before the damage").isEqualTo(delivered);
            if (expected == null) {
                assertThat(outcome.end()).as("a cut is an error, never a clean end").isNotEqualTo("end");
            } else if (expected.equals("end")) {
                assertThat(outcome.end()).isEqualTo("end");
                // ... and the data after the goodbye reached the server's error handler, before the server hung up
                assertThat(errors.count(VIOLATION)).as("violations reported").isEqualTo(violations + 1);
            } else {
                assertThat(outcome.end()).endsWith("=: " + expected);
            }
        }
        Rel.ping(ws ? honestWs : honestNet);
    }

    private static InetSocketAddress endpoint(String address) {
        String transport = address.split("~")[0];
        String port = transport.substring(transport.lastIndexOf(':') + 1);
        return new InetSocketAddress("127.0.0.1", Integer.parseInt(port));
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /** A raw peer over one transport: the handshake streams, the hostile bytes, and how it ends. */
    private interface Peer extends AutoCloseable {
        InputStream in() throws IOException;

        OutputStream out() throws IOException;

        void send(byte[] stream, Random random) throws IOException;

        void end(Ending ending) throws IOException;

        void readUntilTheServerHangsUp() throws IOException;

        @Override
        void close() throws IOException;
    }

    private static final class NetPeer implements Peer {
        private final Socket socket;

        NetPeer(InetSocketAddress target) throws IOException {
            socket = new Socket();
            socket.connect(target, 5_000);
            socket.setSoTimeout((int) BOUND.toMillis());
            socket.setTcpNoDelay(true);
        }

        @Override
        public InputStream in() throws IOException {
            return socket.getInputStream();
        }

        @Override
        public OutputStream out() throws IOException {
            return socket.getOutputStream();
        }

        @Override
        public void send(byte[] stream, Random random) throws IOException {
            OutputStream out = socket.getOutputStream();
            try {
                for (int at = 0; at < stream.length; ) {
                    int n = Math.min(stream.length - at, 1 + random.nextInt(Math.max(1, stream.length / 3 + 1)));
                    out.write(stream, at, n);
                    out.flush();
                    at += n;
                }
            } catch (SocketException e) {
                // the server hung up on the damage while we still wrote: what we check is what it read
            }
        }

        @Override
        public void end(Ending ending) throws IOException {
            if (ending == Ending.RESET) {
                Rel.reset(socket);
            } else {
                socket.shutdownOutput();
            }
        }

        @Override
        public void readUntilTheServerHangsUp() throws IOException {
            Rel.readUntilClosed(socket);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static final class WsPeer implements Peer {
        private final RawWsPeer ws;
        private final InputStream payloads;

        WsPeer(InetSocketAddress target, long seed) throws IOException {
            ws = new RawWsPeer(target, BOUND, seed);
            ws.upgrade();
            payloads = ws.payloads();
        }

        @Override
        public InputStream in() {
            return payloads;
        }

        @Override
        public OutputStream out() {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    ws.write(ws.frame(true, RawWsPeer.BINARY, java.util.Arrays.copyOfRange(b, off, off + len), true));
                }
            };
        }

        @Override
        public void send(byte[] stream, Random random) throws IOException {
            try {
                ws.writeInChunks(ws.binaryFrames(stream, random), random);
            } catch (SocketException e) {
                // the server hung up on the damage while we still wrote
            }
        }

        @Override
        public void end(Ending ending) throws IOException {
            switch (ending) {
                case RESET -> ws.reset();
                case CLOSE_FRAME -> {
                    try {
                        ws.sendClose(1000);
                    } catch (SocketException e) {
                        // already closed by the server
                    }
                }
                default -> ws.socket().shutdownOutput();
            }
        }

        @Override
        public void readUntilTheServerHangsUp() throws IOException {
            ws.readUntilTheServerHangsUp();
        }

        @Override
        public void close() throws IOException {
            ws.close();
        }
    }
}
