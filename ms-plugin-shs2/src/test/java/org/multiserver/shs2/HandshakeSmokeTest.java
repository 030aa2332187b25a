package org.multiserver.shs2;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HandshakeSmokeTest {
    @Test
    void case1() throws Exception {
        JsonNode c = new ObjectMapper().readTree(getClass().getResourceAsStream("/vectors/shs2-kat.json"))
                .get("handshake").get("cases").get(0);
        JsonNode in = c.get("inputs");
        HexFormat hex = HexFormat.of();
        byte[] n = hex.parseHex(in.get("networkKey").asText());
        LongTermKeys a = LongTermKeys.fromSeed(hex.parseHex(in.get("clientSeed").asText()));
        LongTermKeys b = LongTermKeys.fromSeed(hex.parseHex(in.get("serverSeed").asText()));
        var init = new SecretHandshake2.Initiator(n, a, b.publicKey, null, hex.parseHex(in.get("clientEphemeralSecret").asText()));
        var resp = new SecretHandshake2.Responder(n, b, hex.parseHex(in.get("serverEphemeralSecret").asText()));
        byte[] m1 = init.hello();
        assertThat(hex.formatHex(m1)).isEqualTo(c.get("messages").get("msg1").asText());
        byte[] m2 = resp.readHello(m1);
        assertThat(hex.formatHex(m2)).isEqualTo(c.get("messages").get("msg2").asText());
        byte[] m3 = init.readHello(m2);
        assertThat(hex.formatHex(m3)).isEqualTo(c.get("messages").get("msg3").asText());
        resp.readAuthenticate(m3);
        byte[] m4 = resp.accept();
        assertThat(hex.formatHex(m4)).isEqualTo(c.get("messages").get("msg4").asText());
        ChannelKeys ck = init.readAccept(m4);
        ChannelKeys sk = resp.keys();
        JsonNode p = c.get("pullSecretHandshake2");
        assertThat(hex.formatHex(ck.encryptKey)).isEqualTo(p.get("client").get("encryptKey").asText());
        assertThat(hex.formatHex(ck.encryptNonce)).isEqualTo(p.get("client").get("encryptNonce12").asText());
        assertThat(hex.formatHex(sk.encryptNonce)).isEqualTo(p.get("server").get("encryptNonce12").asText());
        assertThat(hex.formatHex(sk.decryptKey)).isEqualTo(p.get("server").get("decryptKey").asText());
    }
}
