package org.multiserver.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.multiserver.address.AddressSyntaxException;
import org.multiserver.address.MultiAddress;
import org.multiserver.address.Section;

class SocketPathTest {

    private static Section unixSection(String address) {
        return MultiAddress.parse(address).alternatives().stream().map(a -> a.transport())
                .filter(s -> s.name().equals("unix")).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "unix:/run/app.sock|/run/app.sock|unix:/run/app.sock",
        // The JS client prints colons unescaped and joins the items again: both forms name one path.
        "unix:/tmp/a:b/socket|/tmp/a:b/socket|unix:/tmp/a!:b/socket",
        "unix:/tmp/a!:b/socket~shs:K|/tmp/a:b/socket|unix:/tmp/a!:b/socket",
        "unix:/tmp/x!~y!;z!!w|/tmp/x~y;z!w|unix:/tmp/x!~y!;z!!w",
        "unix:relative.sock|relative.sock|unix:relative.sock",
    })
    void readsThePathAndPrintsItEscaped(String address, String path, String printed) {
        Section section = unixSection(address);
        assertThat(SocketPath.parse(section)).isEqualTo(path);
        assertThat(SocketPath.section(path).toString()).isEqualTo(printed);
        assertThat(Section.parse(printed)).isEqualTo(SocketPath.section(path));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "unix|5|expected unix:{path}",
        "net:h:1;unix:|14|the socket path is empty",
    })
    void rejectsSectionsWithoutAPathAtTheirColumn(String address, int column, String reason) {
        assertThatThrownBy(() -> SocketPath.parse(unixSection(address)))
                .isInstanceOfSatisfying(AddressSyntaxException.class, e -> {
                    assertThat(e.column()).isEqualTo(column);
                    assertThat(e.reason()).contains(reason);
                    assertThat(e.input()).isEqualTo(address);
                });
    }

    @org.junit.jupiter.api.Test
    void rejectsPathsLongerThanSunPath() {
        String longest = "/" + "x".repeat(SocketPath.MAX_BYTES - 1);
        assertThat(SocketPath.parse(unixSection("unix:" + longest))).isEqualTo(longest);
        assertThatThrownBy(() -> SocketPath.parse(unixSection("unix:" + longest + "y")))
                .isInstanceOf(AddressSyntaxException.class)
                .hasMessageContaining("at most 107 bytes, this one 108");
    }
}
