package org.multiserver.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.multiserver.address.Address;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.MultiAddress;
import org.multiserver.address.Section;

class WsAddressTest {

    private static Section section(String text) {
        return Address.parse(text).transport();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ws://localhost:8989|false|localhost|8989|/|ws://localhost:8989",
        "ws://localhost|false|localhost|80|/|ws://localhost",
        "ws://localhost:80|false|localhost|80|/|ws://localhost",
        "wss://example.com:443/ssb|true|example.com|443|/ssb|wss://example.com/ssb",
        "wss://example.com:8443|true|example.com|8443|/|wss://example.com:8443",
        "wss://example.com:80|true|example.com|80|/|wss://example.com:80",
        "ws://[::1]:9|false|::1|9|/|ws://[::1]:9",
        "ws://[0:0:0:0:0:0:0:1]:9~shs:K|false|::1|9|/|ws://[::1]:9",
        "ws://[fe80::1%eth0]:9|false|fe80::1|9|/|ws://[fe80::1]:9",
        "ws://h.example:1/|false|h.example|1|/|ws://h.example:1",
        "ws://h:1/a/b?c=d|false|h|1|/a/b?c=d|ws://h:1/a/b?c=d",
        "ws://h:1?x=1|false|h|1|/?x=1|ws://h:1/?x=1",
        "ws://h:1/a!:b|false|h|1|/a:b|ws://h:1/a:b",
        "ws:127.0.0.1:8989|false|127.0.0.1|8989|/|ws://127.0.0.1:8989",
        "ws:::1:8989|false|::1|8989|/|ws://[::1]:8989",
        "ws:[::1]:8989|false|::1|8989|/|ws://[::1]:8989",
        "wss:example.com:443|true|example.com|443|/|wss://example.com",
    })
    void readsUrlsAndTheJsForms(String text, boolean secure, String host, int port, String target, String canonical) {
        WsAddress address = WsAddress.parseDial(section(text));
        assertThat(address.secure()).isEqualTo(secure);
        assertThat(address.host()).isEqualTo(host);
        assertThat(address.portOrDefault()).isEqualTo(port);
        assertThat(address.requestTarget()).isEqualTo(target);
        assertThat(address.section().toString()).isEqualTo(canonical);
        // Printing and parsing round-trip, as the grammar splits the URL at its colons.
        Section printed = address.section();
        assertThat(Section.parse(printed.toString())).isEqualTo(printed);
        assertThat(WsAddress.parseDial(Section.parse(printed.toString())).section()).isEqualTo(printed);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ws://[::1]:9|//[;;1];9",
        "ws://h:8989/path|//h;8989/path",
        "ws://h|//h",
    })
    void theGrammarSplitsTheUrlAtItsColons(String text, String items) {
        assertThat(String.join(";", section(text).data())).isEqualTo(items);
        assertThat(WsAddress.parseDial(section(text)).section().data()).isEqualTo(section(text).data());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ws://localhost:notaport|16|'notaport' is not a port",
        "ws://localhost:0|16|port 0 cannot be dialled",
        "ws://localhost:99999/x|16|'99999' is not a port",
        "ws://localhost:|16|'' is not a port",
        "ws://:8989|4|expected a host after ws://",
        "ws://[::1:8989|4|'[::1:8989' is not a bracketed IPv6 address",
        "ws://[::zz]:1|4|'[::zz]' is not a bracketed IPv6 address",
        "ws://[::1]x|9|expected ':' and a port after '[::1]'",
        "ws://::1:8989|4|an IPv6 host needs brackets in a URL",
        "ws://user@host:1|4|user info ('name@') is not supported",
        "ws://host:1/path#frag|11|a WebSocket URL has no fragment",
        "ws://host:1/a^b|11|'/a^b' is not a URL path",
        "wss://ho*st:443|5|'ho*st' is not a host name",
        "ws:host|8|expected ws://{host}:{port} or ws:{host}:{port}",
        "ws:null|4|browser page without an origin",
        "ws|3|expected ws://{host}:{port}",
        "ws:fe80:::zz:80|4|is not an IPv6 address",
        "ws::8989|4|expected a host",
        "net:a:1;ws://h:0x50~shs:K|16|'0x50' is not a port",
    })
    void errorsNameTheColumnOfTheBadItem(String text, int column, String reason) {
        Section ws = MultiAddress.parse(text).alternatives().stream()
                .map(Address::transport).filter(WsAddress::isOurs).findFirst().orElseThrow();
        assertThatThrownBy(() -> WsAddress.parseDial(ws))
                .isInstanceOfSatisfying(AddressSyntaxException.class, e -> {
                    assertThat(e.input()).isEqualTo(text);
                    assertThat(e.reason()).contains(reason);
                    assertThat(e.column()).isEqualTo(column);
                });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ws|false||-1|",
        "wss|true||-1|",
        "ws://0.0.0.0:0|false|0.0.0.0|0|",
        "ws://localhost|false|localhost|-1|",
        "ws://:8989|false||8989|",
        "ws://[::]:8989/ssb|false|::|8989|/ssb",
        "ws:0.0.0.0:0|false|0.0.0.0|0|",
    })
    void listenSpecsMayLeaveThingsOut(String text, boolean secure, String host, int port, String path) {
        WsAddress spec = WsAddress.parseListen(section(text));
        assertThat(spec.secure()).isEqualTo(secure);
        assertThat(spec.host()).isEqualTo(host);
        assertThat(spec.port()).isEqualTo(port);
        assertThat(spec.path()).isEqualTo(path == null ? "" : path);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "net:127.0.0.1:8008|false||ws://127.0.0.1:8008",
        "net:::1:8008|false|/ssb|ws://[::1]:8008/ssb",
        "net:example.com:443|true||wss://example.com",
        "net:example.com:80|false||ws://example.com",
    })
    void printsWhatTheNetListenerPrintsAsUrls(String net, boolean secure, String path, String printed) {
        WsAddress address = WsAddress.fromNet(section(net), secure, path == null ? "" : path);
        assertThat(address.section().toString()).isEqualTo(printed);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1|50123|ws:127.0.0.1:50123",
        "::1|50123|ws:::1:50123",
        "192.168.1.20|7|ws:192.168.1.20:7",
    })
    void aPeerIsNamedByItsSocketAsJsPrintsIt(String ip, int port, String printed) throws Exception {
        InetSocketAddress remote = new InetSocketAddress(InetAddress.getByName(ip), port);
        assertThat(WsServerHandshake.remoteSection(remote, null).toString()).isEqualTo(printed);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1|http://localhost:8080|ws://localhost:8080",
        "::1|http://localhost:8080|ws://localhost:8080",
        "127.0.0.1|null|ws:null",
        "127.0.0.2|http://localhost:8080|ws:127.0.0.2:1",
        "192.168.1.20|http://localhost:8080|ws:192.168.1.20:1",
    })
    void onlyALoopbackPeerIsNamedByItsOrigin(String ip, String origin, String printed) throws Exception {
        InetSocketAddress remote = new InetSocketAddress(InetAddress.getByName(ip), 1);
        assertThat(WsServerHandshake.remoteSection(remote, origin).toString()).isEqualTo(printed);
    }
}
