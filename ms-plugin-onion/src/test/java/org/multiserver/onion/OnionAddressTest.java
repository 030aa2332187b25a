package org.multiserver.onion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.MultiAddress;
import org.multiserver.address.Section;

class OnionAddressTest {
    /** The Tor Project's own onion service. */
    static final String TORPROJECT = "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion";

    private static Section onion(String address) {
        return MultiAddress.parse(address).alternatives().stream().map(a -> a.transport())
                .filter(s -> s.name().equals("onion")).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "onion:" + TORPROJECT + ":8008|" + TORPROJECT + "|8008|onion:" + TORPROJECT + ":8008",
        "onion:www." + TORPROJECT + ":80~shs:K|www." + TORPROJECT + "|80|onion:www." + TORPROJECT + ":80",
        // as the JS plugin: any host name goes to the proxy, an empty one is localhost, the port is the last item
        "onion:localhost:8008|localhost|8008|onion:localhost:8008",
        "onion:example.com:1|example.com|1|onion:example.com:1",
        "onion::8008|localhost|8008|onion:localhost:8008",
        "onion:::1:65535|::1|65535|onion:::1:65535",
    })
    void readsHostAndPortLikeTheJsPlugin(String address, String host, int port, String canonical) {
        OnionAddress parsed = OnionAddress.parse(onion(address));
        assertThat(parsed.host()).isEqualTo(host);
        assertThat(parsed.port()).isEqualTo(port);
        assertThat(parsed.section().toString()).isEqualTo(canonical);
    }

    @Test
    void onionNamesAreCaseBlindAndPrintedInLowerCase() {
        OnionAddress parsed = OnionAddress.parse(onion("onion:" + TORPROJECT.toUpperCase(Locale.ROOT) + ":80"));
        assertThat(parsed.host()).isEqualTo(TORPROJECT);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234567})
    void acceptsEveryWellFormedV3Name(long seed) throws Exception {
        String name = OnionNames.v3(seed);
        assertThat(OnionAddress.whyNotV3(name)).isNull();
        assertThat(OnionAddress.whyNotV3("sub." + name)).isNull();
    }

    @Test
    void rejectsBadV3NamesWithTheReason() throws Exception {
        byte[] key = new byte[32];
        key[0] = 7;
        assertThat(OnionAddress.whyNotV3(OnionNames.v3(key, 3, true))).contains("checksum does not match");
        assertThat(OnionAddress.whyNotV3(OnionNames.v3(key, 4, false))).contains("version byte is 4, not 3");
        assertThat(OnionAddress.whyNotV3("expyuzz4wqqyqhjn.onion")).contains("v2 onion address");
        assertThat(OnionAddress.whyNotV3("short.onion")).contains("expected 56 base32 characters before .onion, got 5");
        assertThat(OnionAddress.whyNotV3(TORPROJECT.replace('2', '1'))).contains("only a-z and 2-7");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "onion|6|expected onion:{host}:{port}",
        "onion:" + TORPROJECT + "|69|expected onion:{host}:{port}",
        "onion:host.com:0|16|'0' is not a port",
        "onion:host.com:99999|16|'99999' is not a port",
        "onion:host.com:8o|16|'8o' is not a port",
        "net:h:1;onion:expyuzz4wqqyqhjn.onion:80|15|v2 onion address",
        "onion:aaaa.onion:80|7|expected 56 base32 characters",
        "onion:ho*st:80|7|is not a host name",
        "onion:fe80:::zz:80|7|is not an IPv6 address",
    })
    void rejectsMalformedSectionsAtTheColumnOfTheBadItem(String address, int column, String reason) {
        assertThatThrownBy(() -> OnionAddress.parse(onion(address)))
                .isInstanceOfSatisfying(AddressSyntaxException.class, e -> {
                    assertThat(e.column()).isEqualTo(column);
                    assertThat(e.reason()).contains(reason);
                    assertThat(e.input()).isEqualTo(address);
                });
    }
}
