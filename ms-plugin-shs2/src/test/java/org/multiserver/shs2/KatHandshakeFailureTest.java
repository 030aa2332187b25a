package org.multiserver.shs2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.multiserver.shs2.Kat.bytes;
import static org.multiserver.shs2.Kat.hex;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * handshakeFailures R01..R18 (our responder against a scripted initiator) and I01..I10 (our initiator against a
 * scripted responder): each scripted peer is rebuilt from its description with the formulas of SHS2.md
 * ({@link KatFormulas}), the real {@link Shs2HandshakeHandler} runs in an EmbeddedChannel with the keys and
 * ephemeral secrets of case 1, and the test checks what the vector recorded: success or failure, failing at the
 * same step (our error names the message and the check, mapped from the reference's reason and cause), the bytes our
 * side wrote, the channel closed after a failure, and what authorize received. Time is EmbeddedChannel's, frozen
 * and advanced by hand: the timeouts (R07, R14, I05: 300 ms as in the vectors) cost no real time.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KatHandshakeFailureTest {
    /** The cases whose peer ends the connection: run with both ways a transport can end. */
    private static final Set<String> HANG_UPS = Set.of("R06", "R13", "I04", "I06");
    private static final Set<String> TIMEOUTS = Set.of("R07", "R14", "I05");
    private static final byte[] OTHER_NETWORK = Kat.HEX.parseHex(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    /** The Curve25519 point of order 8 that R05 names "e0eb7a7c...b800". */
    private static final byte[] ORDER_8 = Kat.HEX.parseHex(
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
    private static final byte[] ZERO32 = new byte[32];
    private static final byte[] IDENTITY = Kat.concat(new byte[] {1}, new byte[31]);

    private static final Kat.Case1 K = new Kat.Case1();
    private static final LongTermKeys OTHER = LongTermKeys.fromSeed(Kat.repeat(0x09, 32));

    enum HangUp { INPUT_SHUTDOWN_EVENT, CHANNEL_CLOSED }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : Kat.failureCases()) {
            String id = c.path("name").asText().substring(0, 3);
            out.add(Arguments.of(c.path("name").asText(), HangUp.INPUT_SHUTDOWN_EVENT, c));
            if (HANG_UPS.contains(id)) {
                out.add(Arguments.of(c.path("name").asText(), HangUp.CHANNEL_CLOSED, c));
            }
        }
        return out.stream();
    }

    @Test
    void theVectorsHave28Cases() {
        assertThat(Kat.failureCases()).extracting(c -> c.path("name").asText().substring(0, 3)).containsExactly(
                "R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08", "R09", "R10", "R11", "R12", "R13", "R14",
                "R15", "R16", "R17", "R18", "I01", "I02", "I03", "I04", "I05", "I06", "I07", "I08", "I09", "I10");
        assertThat(SCRIPTS.keySet()).hasSize(28);
    }

    /** The peers' honest arithmetic must be the reference's: case 1 message for message. */
    @Test
    void theHonestPeerIsCase1() {
        KatFormulas f = honest(null);
        assertThat(List.of(hex(f.msg1), hex(f.msg2), hex(f.msg3), hex(f.msg4))).containsExactly(hex(K.msg1),
                hex(K.msg2), hex(K.msg3), hex(K.msg4));
    }

    private static KatFormulas honest(byte[] payload) {
        return new KatFormulas(K.networkKey, K.client, K.clientEphemeralSecret, K.server, K.serverEphemeralSecret,
                payload);
    }

    // ---- the harness: one side of ours on an EmbeddedChannel, the peer's bytes pushed in by a script ----

    static final class Run implements AutoCloseable {
        final boolean responder;
        final HangUp hangUp;
        final EmbeddedChannel ch = new EmbeddedChannel();
        final KatRecorder app = new KatRecorder();
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        final List<byte[]> written = new ArrayList<>();
        final List<String> authorizeCalls = new ArrayList<>();
        private int read;

        Run(boolean responder, Duration timeout, Supplier<CompletionStage<Boolean>> decision, HangUp hangUp) {
            this.responder = responder;
            this.hangUp = hangUp;
            ch.freezeTime(); // before the handler schedules its deadline
            Shs2Authorizer authorizer = (key, payload) -> {
                authorizeCalls.add(hex(Base64.getDecoder().decode(key)) + "/" + hex(payload));
                return decision.get();
            };
            ch.pipeline().addLast("handshake", responder
                    ? Shs2HandshakeHandler.server("t-", K.responder(), authorizer, timeout, result)
                    : Shs2HandshakeHandler.client("t-", K.initiator(null), timeout, result));
            ch.pipeline().addLast("app", app);
            collect();
        }

        /** Moves what our side wrote into {@link #written}; only buffers may go on the wire. */
        void collect() {
            for (Object msg; (msg = ch.readOutbound()) != null; ) {
                try {
                    assertThat(msg).as("only bytes on the wire (no EndOfOutput, nothing else)")
                            .isInstanceOf(ByteBuf.class);
                    written.add(ByteBufUtil.getBytes((ByteBuf) msg));
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
        }

        /** The peer sends; a peer never sends after our side failed, and a closed channel reads nothing. */
        void send(byte[] bytes) {
            assertThat(result).as("the handshake has not failed when the peer sends").isNotCompletedExceptionally();
            if (ch.isOpen()) {
                ch.writeInbound(Unpooled.wrappedBuffer(bytes));
                ch.runPendingTasks();
            }
            collect();
        }

        /** What the peer reads next from us: our next written message. */
        byte[] next() {
            assertThat(written.size()).as("our side wrote its next message").isGreaterThan(read);
            return written.get(read++);
        }

        /** The peer ends the connection: a half-close (input shutdown) or the channel closing under us. */
        void hangUp() {
            if (hangUp == HangUp.INPUT_SHUTDOWN_EVENT) {
                ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            } else {
                ch.unsafe().close(ch.unsafe().voidPromise());
            }
            ch.runPendingTasks();
            collect();
        }

        /** Waits {@code millis} of the channel's frozen clock. */
        void advance(long millis) {
            ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            ch.runPendingTasks();
            collect();
        }

        /** The silent peer: 1 ms before the deadline nothing happened, at the deadline the handshake fails. */
        void waitForDeadline(long timeoutMillis) {
            advance(timeoutMillis - 1);
            assertThat(result).isNotDone();
            assertThat(ch.isOpen()).isTrue();
            advance(1);
            assertThat(result).isDone();
        }

        @Override
        public void close() {
            ch.finishAndReleaseAll();
        }
    }

    @FunctionalInterface
    interface Script {
        void play(Run run);
    }

    private static final Map<String, Script> SCRIPTS = new HashMap<>();
    /** What a successful case checks once the vector's outcome has been checked: the Secret Channel works. */
    private static final Map<String, Script> AFTER_SUCCESS = new HashMap<>();

    static {
        KatFormulas f = honest(null);
        byte[] ap = f.ap;
        byte[] n = f.n;

        // ---- R: our responder, a scripted initiator ----
        SCRIPTS.put("R01", r -> r.send(KatFormulas.flipBit0(f.msg1, 63)));
        SCRIPTS.put("R02", r -> r.send(KatFormulas.hello(OTHER_NETWORK, ap)));
        SCRIPTS.put("R03", r -> r.send(Kat.concat(Crypto.auth(n, ap), ap))); // shs1 order: hmac || key
        SCRIPTS.put("R04", r -> r.send(KatFormulas.hello(n, ZERO32)));
        SCRIPTS.put("R05", r -> r.send(KatFormulas.hello(n, ORDER_8)));
        SCRIPTS.put("R06", r -> {
            r.send(Arrays.copyOf(f.msg1, 63));
            r.hangUp();
        });
        SCRIPTS.put("R07", r -> r.waitForDeadline(300));
        SCRIPTS.put("R08", r -> {
            helloes(r, f);
            r.send(KatFormulas.flipBit0(f.msg3, 0));
        });
        SCRIPTS.put("R09", r -> {
            helloes(r, f);
            byte[] sig = Crypto.sign(K.client.secretKey, f.proof3(OTHER_NETWORK, K.server.publicKey));
            r.send(f.authenticate(sig, K.client.publicKey, ZERO32));
        });
        SCRIPTS.put("R10", r -> {
            helloes(r, f);
            byte[] sig = Crypto.sign(OTHER.secretKey, f.proof3(n, K.server.publicKey));
            r.send(f.authenticate(sig, K.client.publicKey, ZERO32));
        });
        SCRIPTS.put("R11", r -> {
            helloes(r, f);
            byte[] forgery = Kat.concat(IDENTITY, ZERO32); // R = identity, S = 0: valid for any message, cofactorless
            r.send(f.authenticate(forgery, IDENTITY, ZERO32));
        });
        SCRIPTS.put("R12", r -> {
            helloes(r, f);
            byte[] dialled = OTHER.publicKey; // the initiator expects another server: aB and proof3 use it
            byte[] aB = Crypto.dh(K.clientEphemeralSecret, Crypto.edPublicToX(dialled));
            byte[] k3 = Crypto.hash(n, f.ab, aB, f.ap, f.bp);
            byte[] sig = Crypto.sign(K.client.secretKey, f.proof3(n, dialled));
            r.send(Crypto.encryptZeroNonce(k3, Kat.concat(sig, K.client.publicKey, ZERO32)));
        });
        SCRIPTS.put("R13", r -> {
            helloes(r, f);
            r.send(Arrays.copyOf(f.msg3, 143));
            r.hangUp();
        });
        SCRIPTS.put("R14", r -> {
            helloes(r, f);
            r.send(Arrays.copyOf(f.msg3, 112)); // shs1's msg3 size
            r.waitForDeadline(300);
        });
        Script honestInitiator = r -> {
            helloes(r, f);
            r.send(f.msg3);
        };
        SCRIPTS.put("R15", honestInitiator);
        SCRIPTS.put("R16", honestInitiator);
        SCRIPTS.put("R17", honestInitiator);
        KatFormulas withPayload = honest(Kat.HEX.parseHex(
                "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"));
        SCRIPTS.put("R18", r -> {
            helloes(r, withPayload);
            // msg3 and the client's first Secret Channel chunks in one write: the chunks wait for authorize.
            r.send(Kat.concat(withPayload.msg3, shortStream()));
        });
        AFTER_SUCCESS.put("R17", r -> {
            r.send(shortStream());
            serverChannelWorks(r);
        });
        AFTER_SUCCESS.put("R18", KatHandshakeFailureTest::serverChannelWorks);

        // ---- I: our initiator, a scripted responder ----
        SCRIPTS.put("I01", i -> {
            readMsg1(i, f);
            i.send(KatFormulas.flipBit0(f.msg2, 63));
        });
        SCRIPTS.put("I02", i -> {
            readMsg1(i, f);
            i.send(Kat.concat(f.bp, Crypto.auth(n, f.bp))); // shs1: tag keyed by N alone
        });
        SCRIPTS.put("I03", i -> {
            readMsg1(i, f);
            i.send(Kat.concat(ZERO32, Crypto.auth(Crypto.hash(n, ZERO32), ZERO32)));
        });
        SCRIPTS.put("I04", i -> {
            readMsg1(i, f);
            i.send(Arrays.copyOf(f.msg2, 10));
            i.hangUp();
        });
        SCRIPTS.put("I05", i -> {
            readMsg1(i, f);
            i.waitForDeadline(300);
        });
        SCRIPTS.put("I06", i -> {
            toMsg3(i, f);
            i.hangUp();
        });
        SCRIPTS.put("I07", i -> {
            toMsg3(i, f);
            i.send(KatFormulas.flipBit0(f.msg4, 10));
        });
        SCRIPTS.put("I08", i -> {
            toMsg3(i, f);
            i.send(f.accept(Crypto.sign(OTHER.secretKey, f.proof4())));
        });
        SCRIPTS.put("I09", i -> {
            toMsg3(i, f);
            byte[] proof192 = Kat.concat(n, f.pt3, f.id); // shs2-crypto's proof: the whole msg3 plaintext
            assertThat(proof192).hasSize(192);
            i.send(f.accept(Crypto.sign(K.server.secretKey, proof192)));
        });
        SCRIPTS.put("I10", i -> {
            toMsg3(i, f);
            // msg4 and the server's first Secret Channel chunks in one write, as a responder may send them.
            i.send(Kat.concat(f.msg4, s2cFirstTwoWrites()));
        });
        AFTER_SUCCESS.put("I10", i -> {
            assertThat(i.app.reads).extracting(Kat::hex).containsExactly(hex(Kat.pattern(0, 1, 100)),
                    hex(Kat.pattern(1, 100, 100)));
            i.ch.writeOutbound(Unpooled.wrappedBuffer(Kat.pattern(0, 1, 0)));
            i.collect();
            JsonNode c2s = Kat.secretChannel().path("streams").path("c2s").path("chunks");
            assertThat(hex(i.written.get(i.written.size() - 1))).isEqualTo(
                    c2s.get(0).path("ciphertext").asText() + c2s.get(1).path("ciphertext").asText());
        });
    }

    /** The scripted initiator's msg1, then it reads our msg2 (case 1's). */
    private static void helloes(Run r, KatFormulas f) {
        r.send(f.msg1);
        assertThat(hex(r.next())).isEqualTo(hex(K.msg2));
    }

    /** The scripted responder reads our msg1 (case 1's). */
    private static void readMsg1(Run i, KatFormulas f) {
        assertThat(hex(i.next())).isEqualTo(hex(f.msg1));
    }

    /** The scripted responder: msg1 in, msg2 out, our msg3 in (it decrypts to sig3 || A_p || zeros). */
    private static void toMsg3(Run i, KatFormulas f) {
        readMsg1(i, f);
        i.send(f.msg2);
        byte[] msg3 = i.next();
        assertThat(hex(msg3)).isEqualTo(hex(K.msg3));
        assertThat(hex(Crypto.decryptZeroNonce(f.k3, msg3))).isEqualTo(hex(f.pt3));
    }

    /** S0..S4: the client's short stream (1 byte, 100 bytes, end-of-stream) of case 1. */
    private static byte[] shortStream() {
        List<byte[]> chunks = new ArrayList<>();
        Kat.list(Kat.secretChannel().path("shortStream").path("chunks")).forEach(s -> chunks.add(bytes(s,
                "ciphertext")));
        return Kat.concat(chunks.toArray(new byte[0][]));
    }

    /** The first four chunks of case 1's server->client stream: writes of 1 and 100 bytes. */
    private static byte[] s2cFirstTwoWrites() {
        List<JsonNode> chunks = Kat.list(Kat.secretChannel().path("streams").path("s2c").path("chunks"));
        return Kat.concat(bytes(chunks.get(0), "ciphertext"), bytes(chunks.get(1), "ciphertext"),
                bytes(chunks.get(2), "ciphertext"), bytes(chunks.get(3), "ciphertext"));
    }

    /** After the server's success: the client's short stream arrived whole and ended cleanly; we can write. */
    private static void serverChannelWorks(Run r) {
        assertThat(r.app.reads).extracting(Kat::hex).containsExactly(hex(Kat.pattern(0, 1, 0)),
                hex(Kat.pattern(1, 100, 0)));
        assertThat(r.app.inputShutdowns()).isEqualTo(1);
        assertThat(r.app.errors).isEmpty();
        r.ch.writeOutbound(Unpooled.wrappedBuffer(Kat.pattern(0, 1, 100)));
        r.collect();
        JsonNode s2c = Kat.secretChannel().path("streams").path("s2c").path("chunks");
        assertThat(hex(r.written.get(r.written.size() - 1))).isEqualTo(
                s2c.get(0).path("ciphertext").asText() + s2c.get(1).path("ciphertext").asText());
    }

    // ---- the test ----

    @ParameterizedTest(name = "{0}, hang-up by {1}")
    @MethodSource("cases")
    void failure(String name, HangUp hangUp, JsonNode c) {
        String id = name.substring(0, 3);
        JsonNode o = c.path("outcome");
        boolean responder = id.startsWith("R");
        assertThat(o.path("side").asText()).isEqualTo(responder ? "responder" : "initiator");
        Supplier<CompletionStage<Boolean>> decision = switch (id) {
            case "R15" -> () -> CompletableFuture.completedFuture(false);
            case "R16" -> () -> CompletableFuture.failedFuture(new Exception("nope"));
            default -> () -> CompletableFuture.completedFuture(true);
        };
        // The vectors' timeout: 1000 ms unless the description says 300 ms.
        Duration timeout = Duration.ofMillis(TIMEOUTS.contains(id) ? 300 : 1000);
        assertThat(c.path("description").asText().contains("300 ms")).isEqualTo(TIMEOUTS.contains(id));

        try (Run run = new Run(responder, timeout, decision, hangUp)) {
            if (!responder) {
                assertThat(run.written).extracting(b -> b.length).containsExactly(64); // msg1 as soon as added
            } else {
                assertThat(run.written).isEmpty();
            }
            Script script = SCRIPTS.get(id);
            assertThat(script).as("a scripted peer for " + id).isNotNull();
            script.play(run);

            // The bytes our side wrote, message by message, and never anything after a failure.
            List<Integer> lengths = Kat.ints(o.path(responder ? "bytesWrittenByResponder" : "bytesWrittenByInitiator"));
            assertThat(run.written).extracting(b -> b.length).containsExactlyElementsOf(lengths);
            assertThat(o.path(responder ? "responderOutgoingEnded" : "initiatorOutgoingEnded").isNull()).isTrue();

            // What authorize received (the responder's authorizeCalls).
            if (responder) {
                List<String> expected = new ArrayList<>();
                o.path("authorizeCalls").forEach(a -> expected.add(a.path("initiatorStaticVerifyingEd25519Key")
                        .asText() + "/" + a.path("initiatorAuthPayload").asText()));
                assertThat(run.authorizeCalls).containsExactlyElementsOf(expected);
            }

            if (o.path("result").asText().equals("success")) {
                assertThat(run.result).isCompletedWithValueMatching(key -> Arrays.equals(key,
                        responder ? K.client.publicKey : K.server.publicKey));
                assertThat(run.ch.isOpen()).isTrue();
                assertThat(run.ch.pipeline().get(Shs2HandshakeHandler.class)).isNull();
                assertThat(run.ch.pipeline().names()).contains("t-channel-encoder", "t-channel-decoder");
                assertThat(o.path("peerOutgoingAbortedWith").isNull()).isTrue();
                if (responder) {
                    assertThat(o.path("authorization").asBoolean()).isTrue();
                    assertThat(o.path("peerSaw").asText()).isEqualTo("got msg4 " + hex(run.written.get(1)));
                }
                AFTER_SUCCESS.get(id).play(run);
            } else {
                assertThat(o.path("result").asText()).isEqualTo("error");
                assertThat(run.result).isCompletedExceptionally();
                Throwable error = run.result.handle((v, e) -> e).join();
                if (error instanceof CompletionException) {
                    error = error.getCause();
                }
                assertThat(error).isInstanceOf(Shs2HandshakeException.class);
                for (String fragment : expectedMessage(o)) {
                    assertThat(error.getMessage()).as("%s: %s", id, o.path("error").asText()).contains(fragment);
                }
                assertThat(run.ch.isOpen()).as("closed after the failure").isFalse();
                assertThat(AFTER_SUCCESS).doesNotContainKey(id);
            }
            assertThat(run.app.errors).as("nothing reaches the application").isEmpty();
            assertThat(run.app.reads.isEmpty()).isEqualTo(!AFTER_SUCCESS.containsKey(id));
        }
    }

    /**
     * What our error message must say for the reference's reason and cause: the same message number and phase, and
     * the same check (the reference's texts are its own; pull-reader's vary with timing, so only their kind counts).
     */
    static List<String> expectedMessage(JsonNode outcome) {
        String reason = outcome.path("error").asText();
        String cause = outcome.path("cause").isNull() ? null : outcome.path("cause").asText();
        boolean timedOut = "pull-reader: read exceeded timeout".equals(cause);
        String phase = switch (reason) {
            case "Responder: Failed to acknowledge initiator hello message.",
                 "Responder: Failed to create hello message." -> "rejected the client hello (message 1)";
            case "Responder: Error when expecting initiator to send hello message." -> timedOut
                    ? "passed while waiting for the client hello (message 1)"
                    : "the client hung up before its hello (message 1)";
            case "Responder: Failed to accept initiator authenticate message." ->
                    "rejected the client authenticate (message 3)";
            case "Responder: Error when expecting initiator to send authenticate message." -> timedOut
                    ? "passed while waiting for the client authenticate (message 3)"
                    : "the client hung up instead of authenticating (message 3)";
            case "Responder: Unauthorized initiator." -> "not authorized (message 3)";
            case "Responder: Failed to authorize initiator authenticate message." -> "authorize callback failed";
            case "Initiator: Failed to acknowledge responder hello message." -> "rejected the server hello (message 2)";
            case "Initiator: Error when expecting responder to reply with hello message." -> timedOut
                    ? "passed while waiting for the server hello (message 2)"
                    : "the server hung up instead of sending its hello (message 2)";
            case "Initiator: Error when expecting responder to reply with authenticate message." ->
                    "the server hung up instead of accepting (message 4)";
            case "Initiator: Failed to accept responder authenticate message." ->
                    "rejected the server accept (message 4)";
            default -> throw new AssertionError("a reason the test does not map: " + reason);
        };
        String check;
        if (cause == null) {
            check = "not authorized";
        } else if (cause.endsWith("auth tag is invalid")) {
            check = "auth tag is invalid";
        } else if (cause.equals("failed to derive shared secret")) {
            check = "low-order ephemeral key";
        } else if (cause.equals("could not verify data")) {
            check = "does not decrypt";
        } else if (cause.endsWith("signature is invalid")) {
            check = "signature is invalid";
        } else if (cause.startsWith("stream ended with:")) {
            check = "hung up";
        } else if (timedOut) {
            check = "deadline of 300 ms";
        } else if (cause.equals("nope")) {
            check = "nope";
        } else {
            throw new AssertionError("a cause the test does not map: " + cause);
        }
        return reason.contains("authorize") ? List.of(phase, check, "(message 3)") : List.of(phase, check);
    }
}
