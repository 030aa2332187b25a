package org.multiserver.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.multiserver.address.Address;
import org.multiserver.address.AddressSyntaxException;

class HostPortTest {

    private static HostPort dial(String text) {
        return HostPort.parse(Address.parse(text).transport(), false);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "net:localhost:8008|localhost|8008",
        "net:wx.larpa.net:8008~shs:K|wx.larpa.net|8008",
        "net:127.0.0.1:1|127.0.0.1|1",
        "net:::1:8008|::1|8008",
        "net:fe80::1:8008~shs:K|fe80::1|8008",
        "net:[::1]:65535|::1|65535",
        "net:[fe80::1%eth0]:9|fe80::1|9",
        "net::8008|localhost|8008",
    })
    void readsHostAndPortLikeTheJsClient(String address, String host, int port) {
        HostPort hp = dial(address);
        assertThat(hp.host()).isEqualTo(host);
        assertThat(hp.port()).isEqualTo(port);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "net:host.com:0x10|14|'0x10' is not a port",
        "net:host.com:1.5|14|'1.5' is not a port",
        "net:host.com:99999|14|'99999' is not a port",
        "net:host.com:-1|14|'-1' is not a port",
        "net:host.com:|14|'' is not a port",
        "net:host.com:0|14|port 0 cannot be dialled",
        "net:host.com|13|expected a port after the host",
        "net|4|expected net:{host}:{port}",
        "net:ho*st:80|5|is not a host name",
        "net:fe80:::zz:80|5|is not an IPv6 address",
        "net:[::1:80|5|is not a bracketed IPv6 address",
        "shs:K;net:h:123456~shs:K|13|'123456' is not a port",
    })
    void rejectsBadSectionsAtTheColumnOfTheBadItem(String address, int column, String reason) {
        var section = org.multiserver.address.MultiAddress.parse(address).alternatives()
                .stream().filter(a -> a.transport().name().equals("net")).findFirst().orElseThrow().transport();
        assertThatThrownBy(() -> HostPort.parse(section, false))
                .isInstanceOfSatisfying(AddressSyntaxException.class, e -> {
                    assertThat(e.column()).isEqualTo(column);
                    assertThat(e.reason()).contains(reason);
                    assertThat(e.input()).isEqualTo(address);
                });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1|8008|net:127.0.0.1:8008",
        "::1|8008|net:::1:8008",
        "0:0:0:0:0:0:0:1|1|net:::1:1",
        "fe80:0:0:0:0:0:0:1%eth0|2|net:fe80::1:2",
        "example.com|3|net:example.com:3",
    })
    void printsTheFormJsPeersDial(String host, int port, String printed) {
        var section = HostPort.section("net", host, port);
        assertThat(section.toString()).isEqualTo(printed);
        assertThat(Address.parse(printed).transport()).isEqualTo(section);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "net:0.0.0.0:0|0.0.0.0|0",
        "net:[::]:8008|::|8008",
    })
    void listenSpecsAllowPortZero(String spec, String host, int port) {
        HostPort hp = HostPort.parse(Address.parse(spec).transport(), true);
        assertThat(hp.host()).isEqualTo(host);
        assertThat(hp.port()).isEqualTo(port);
    }
}
