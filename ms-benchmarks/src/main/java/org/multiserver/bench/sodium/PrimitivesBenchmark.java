package org.multiserver.bench.sodium;

import com.goterl.lazysodium.Sodium;
import com.goterl.lazysodium.SodiumJava;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.concurrent.TimeUnit;
import org.multiserver.bench.CpuClock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The primitives' own cost, the physical limit under the shs and shs2 codecs and handshakes: one libsodium call per
 * operation, nothing else. The channel ciphers go through {@link Libsodium} (direct-mapped pointers on native
 * memory, as both codecs call them); the handshake primitives through Lazysodium's {@code byte[]} API, as both
 * handshakes call them.
 *
 * <ul>
 *   <li>shs2, one write of n bytes: {@code chachaEncrypt2} (the length chunk) + {@code chachaEncrypt<n>}; reading it:
 *       {@code chachaDecrypt2} + {@code chachaDecrypt<n>}.</li>
 *   <li>shs, one 4096-byte frame: {@code secretboxDetached4096} (the body) + {@code secretboxEasy18} (the header);
 *       reading it: {@code secretboxOpenEasy18} + {@code secretboxOpenDetached4096}.</li>
 * </ul>
 *
 * Decryption runs on a ciphertext made once in setup, into a separate output, so every call verifies and decrypts
 * the same valid input. {@link CpuClock} gives the CPU time per call beside the wall time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PrimitivesBenchmark {
    static final int LARGE = 65535;
    static final int FRAME = 4096;
    static final int TAG = 16;
    /** A box-stream header's plaintext: the body length and the body's MAC. */
    static final int HEADER = 2 + TAG;

    private static final Sodium SODIUM = new SodiumJava();

    private Memory plain;
    private Memory cipher;
    private Memory output;
    private Memory mac;
    private Memory key;
    private Memory nonce;
    /** Valid ciphertexts (with their tags) for the decryption benchmarks. */
    private Memory chacha65535;
    private Memory chacha4096;
    private Memory chacha2;
    private Memory secretbox4096;
    private Memory secretbox4096Mac;
    private Memory secretbox18;

    private byte[] plainBytes;
    private byte[] cipherBytes;
    private byte[] keyBytes;
    private byte[] nonce12;

    private byte[] scalar;
    private byte[] point;
    private byte[] shared;
    private byte[] edPublic;
    private byte[] edSecret;
    private byte[] curve;
    private byte[] message;
    private byte[] signature;
    private byte[] boxPublic;
    private byte[] boxSecret;

    @Setup
    public void setUp() {
        System.err.println("libsodium " + Libsodium.sodium_version_string() + " from " + Libsodium.FILE);
        plain = filled(LARGE);
        cipher = new Memory(LARGE + TAG);
        output = new Memory(LARGE + TAG);
        mac = new Memory(TAG);
        key = filled(32);
        nonce = filled(24);
        chacha65535 = new Memory(LARGE + TAG);
        chacha4096 = new Memory(FRAME + TAG);
        chacha2 = new Memory(2 + TAG);
        secretbox4096 = new Memory(FRAME);
        secretbox4096Mac = new Memory(TAG);
        secretbox18 = new Memory(HEADER + TAG);
        check(Libsodium.crypto_aead_chacha20poly1305_ietf_encrypt(chacha65535, null, plain, LARGE, null, 0, null,
                nonce, key));
        check(Libsodium.crypto_aead_chacha20poly1305_ietf_encrypt(chacha4096, null, plain, FRAME, null, 0, null, nonce,
                key));
        check(Libsodium.crypto_aead_chacha20poly1305_ietf_encrypt(chacha2, null, plain, 2, null, 0, null, nonce, key));
        check(Libsodium.crypto_secretbox_detached(secretbox4096, secretbox4096Mac, plain, FRAME, nonce, key));
        check(Libsodium.crypto_secretbox_easy(secretbox18, plain, HEADER, nonce, key));
        // Every decryption benchmark must verify: check each once.
        CpuClock once = new CpuClock();
        check(chachaDecrypt65535(once));
        check(chachaDecrypt4096(once));
        check(chachaDecrypt2(once));
        check(secretboxOpenDetached4096(once));
        check(secretboxOpenEasy18(once));

        plainBytes = plain.getByteArray(0, LARGE);
        cipherBytes = new byte[LARGE + TAG];
        keyBytes = key.getByteArray(0, 32);
        nonce12 = nonce.getByteArray(0, 12);

        scalar = new byte[32];
        SODIUM.randombytes_buf(scalar, 32);
        point = new byte[32];
        check(SODIUM.crypto_scalarmult_base(point, scalar));
        shared = new byte[32];
        edPublic = new byte[32];
        edSecret = new byte[64];
        check(SODIUM.crypto_sign_keypair(edPublic, edSecret));
        curve = new byte[32];
        message = new byte[160]; // shs2's message 4 proof: N | sig3 | A_p | id
        SODIUM.randombytes_buf(message, message.length);
        signature = new byte[64];
        check(SODIUM.crypto_sign_detached(signature, null, message, message.length, edSecret));
        check(verify(once));
        check(pkToCurve25519(once));
        boxPublic = new byte[32];
        boxSecret = new byte[32];
    }

    private static Memory filled(int size) {
        Memory memory = new Memory(size);
        for (int i = 0; i < size; i++) {
            memory.setByte(i, (byte) (i * 7 + i / 251));
        }
        return memory;
    }

    private static void check(int rc) {
        if (rc != 0) {
            throw new IllegalStateException("libsodium returned " + rc);
        }
    }

    @TearDown
    public void tearDown() {
        for (Memory memory : new Memory[] {plain, cipher, output, mac, key, nonce, chacha65535, chacha4096, chacha2,
                secretbox4096, secretbox4096Mac, secretbox18}) {
            memory.close();
        }
    }

    // ---- shs2's Secret Channel: ChaCha20-Poly1305 (IETF) ------------------------------------------------------------

    @Benchmark
    public int chachaEncrypt65535(CpuClock cpu) {
        cpu.count(1);
        return Libsodium.crypto_aead_chacha20poly1305_ietf_encrypt(cipher, null, plain, LARGE, null, 0, null, nonce,
                key);
    }

    @Benchmark
    public int chachaDecrypt65535(CpuClock cpu) {
        cpu.count(1);
        return Libsodium.crypto_aead_chacha20poly1305_ietf_decrypt(output, null, null, chacha65535, LARGE + TAG, null,
                0, nonce, key);
    }

    /** The same encryption through Lazysodium's byte[] API: JNA copies 64 KiB in and 64 KiB out per call. */
    @Benchmark
    public int chachaEncrypt65535ByteArrays(CpuClock cpu) {
        cpu.count(1);
        return SODIUM.crypto_aead_chacha20poly1305_ietf_encrypt(cipherBytes, null, plainBytes, LARGE, null, 0, null,
                nonce12, keyBytes);
    }

    @Benchmark
    public int chachaEncrypt4096(CpuClock cpu) {
        cpu.count(1);
        return Libsodium.crypto_aead_chacha20poly1305_ietf_encrypt(cipher, null, plain, FRAME, null, 0, null, nonce,
                key);
    }

    @Benchmark
    public int chachaDecrypt4096(CpuClock cpu) {
        cpu.count(1);
        return Libsodium.crypto_aead_chacha20poly1305_ietf_decrypt(output, null, null, chacha4096, FRAME + TAG, null,
                0, nonce, key);
    }

    /** A length chunk: 2 bytes and a tag. */
    @Benchmark
    public int chachaEncrypt2(CpuClock cpu) {
        cpu.count(1);
        return Libsodium.crypto_aead_chacha20poly1305_ietf_encrypt(cipher, null, plain, 2, null, 0, null, nonce, key);
    }

    @Benchmark
    public int chachaDecrypt2(CpuClock cpu) {
        cpu.count(1);
        return Libsodium.crypto_aead_chacha20poly1305_ietf_decrypt(output, null, null, chacha2, 2 + TAG, null, 0,
                nonce, key);
    }

    // ---- shs's box-stream: XSalsa20-Poly1305 ------------------------------------------------------------------------

    @Benchmark
    public int secretboxEasy4096(CpuClock cpu) {
        cpu.count(1);
        return Libsodium.crypto_secretbox_easy(cipher, plain, FRAME, nonce, key);
    }

    /** The body of a frame, as the box-stream sealer calls it. */
    @Benchmark
    public int secretboxDetached4096(CpuClock cpu) {
        cpu.count(1);
        return Libsodium.crypto_secretbox_detached(cipher, mac, plain, FRAME, nonce, key);
    }

    @Benchmark
    public int secretboxOpenDetached4096(CpuClock cpu) {
        cpu.count(1);
        return Libsodium.crypto_secretbox_open_detached(output, secretbox4096, secretbox4096Mac, FRAME, nonce, key);
    }

    /** A frame's header: the body length and MAC, boxed. */
    @Benchmark
    public int secretboxEasy18(CpuClock cpu) {
        cpu.count(1);
        return Libsodium.crypto_secretbox_easy(cipher, plain, HEADER, nonce, key);
    }

    @Benchmark
    public int secretboxOpenEasy18(CpuClock cpu) {
        cpu.count(1);
        return Libsodium.crypto_secretbox_open_easy(output, secretbox18, HEADER + TAG, nonce, key);
    }

    // ---- the handshakes' public-key steps, through Lazysodium's byte[] API ------------------------------------------

    /** A DH: three per side per handshake in both shs and shs2. */
    @Benchmark
    public int scalarmult(CpuClock cpu) {
        cpu.count(1);
        return SODIUM.crypto_scalarmult(shared, scalar, point);
    }

    /** shs2's ephemeral public key. */
    @Benchmark
    public int scalarmultBase(CpuClock cpu) {
        cpu.count(1);
        return SODIUM.crypto_scalarmult_base(point, scalar);
    }

    /** shs's ephemeral key pair (random bytes and a scalarmult_base). */
    @Benchmark
    public int boxKeypair(CpuClock cpu) {
        cpu.count(1);
        return SODIUM.crypto_box_keypair(boxPublic, boxSecret);
    }

    @Benchmark
    public int sign(CpuClock cpu) {
        cpu.count(1);
        return SODIUM.crypto_sign_detached(signature, null, message, message.length, edSecret);
    }

    @Benchmark
    public int verify(CpuClock cpu) {
        cpu.count(1);
        return SODIUM.crypto_sign_verify_detached(signature, message, message.length, edPublic);
    }

    /** Ed25519 public key to X25519: in libsodium 1.0.18 this includes a main-subgroup check. */
    @Benchmark
    public int pkToCurve25519(CpuClock cpu) {
        cpu.count(1);
        return SODIUM.crypto_sign_ed25519_pk_to_curve25519(curve, edPublic);
    }

    /** SHA-256 of 96 bytes (a handshake id, a key derivation of three 32-byte parts). */
    @Benchmark
    public int sha256Of96(CpuClock cpu) {
        cpu.count(1);
        return SODIUM.crypto_hash_sha256(shared, message, 96);
    }

    /** HMAC-SHA-512-256 of a 32-byte key (the hello tags, shs2's channel nonces). */
    @Benchmark
    public int auth32(CpuClock cpu) {
        cpu.count(1);
        return SODIUM.crypto_auth(shared, point, 32, scalar);
    }

    @Benchmark
    public int skToCurve25519(CpuClock cpu) {
        cpu.count(1);
        return SODIUM.crypto_sign_ed25519_sk_to_curve25519(curve, edSecret);
    }

}
