package org.multiserver.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

class ScopeHostsTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private final List<InetAddress> machine;

    ScopeHostsTest() throws Exception {
        machine = List.of(ip("127.0.0.1"), ip("::1"), ip("192.168.1.20"), ip("10.0.0.5"), ip("fd00::2"),
                ip("fe80::1"), ip("203.0.113.7"), ip("2001:db8::7"));
    }

    @Test
    void everyScopeGetsTheAddressesThatReachIt() throws Exception {
        InetAddress any4 = ip("0.0.0.0");
        InetAddress any6 = ip("::");
        assertThat(ScopeHosts.hostsFor(Scope.DEVICE, any4, machine)).containsExactly("127.0.0.1");
        assertThat(ScopeHosts.hostsFor(Scope.DEVICE, any6, machine)).containsExactly("127.0.0.1");
        assertThat(ScopeHosts.hostsFor(Scope.LOCAL, any4, machine)).containsExactly("192.168.1.20", "10.0.0.5");
        assertThat(ScopeHosts.hostsFor(Scope.PRIVATE, any6, machine))
                .containsExactly("192.168.1.20", "10.0.0.5", "fd00:0:0:0:0:0:0:2");
        assertThat(ScopeHosts.hostsFor(Scope.PUBLIC, any4, machine)).containsExactly("203.0.113.7");
        assertThat(ScopeHosts.hostsFor(Scope.PUBLIC, any6, machine))
                .containsExactly("203.0.113.7", "2001:db8:0:0:0:0:0:7");
    }

    @Test
    void aScopeWithNoInterfacePrintsNothing() throws Exception {
        List<InetAddress> loopbackOnly = List.of(ip("127.0.0.1"), ip("::1"));
        assertThat(ScopeHosts.hostsFor(Scope.LOCAL, ip("0.0.0.0"), loopbackOnly)).isEmpty();
        assertThat(ScopeHosts.hostsFor(Scope.PUBLIC, ip("::"), loopbackOnly)).isEmpty();
    }

    @Test
    void defaultScopesFollowTheBindAddress() throws Exception {
        assertThat(ScopeHosts.defaultScopes(ip("127.0.0.1"))).containsExactly(Scope.DEVICE);
        assertThat(ScopeHosts.defaultScopes(ip("192.168.1.20"))).containsExactlyInAnyOrder(Scope.LOCAL,
                Scope.PRIVATE);
        assertThat(ScopeHosts.defaultScopes(ip("0.0.0.0"))).containsExactlyInAnyOrder(Scope.values());
    }

    @Test
    @Timeout(20)
    void aRealWildcardServerPrintsEachScopeAndExternalNamesForPublic() throws Exception {
        try (MultiServer server = MultiServer.builder()
                .option(NetOptions.EXTERNAL, List.of("example.com", "example.org"))
                .listen("net:0.0.0.0:0").build()) {
            var listening = server.listen(c -> c.close()).get(10, TimeUnit.SECONDS);
            String device = listening.stringify(Scope.DEVICE);
            assertThat(device).matches("net:127\\.0\\.0\\.1:\\d+");
            String port = device.substring(device.lastIndexOf(':') + 1);
            assertThat(listening.stringify(Scope.PUBLIC))
                    .isEqualTo("net:example.com:" + port + ";net:example.org:" + port);
            // local: whatever private IPv4 addresses this machine has, each with the real port.
            String expectedLocal = String.join(";", ScopeHosts.hostsFor(Scope.LOCAL, ip("0.0.0.0"),
                    ScopeHosts.interfaceAddresses()).stream().map(h -> "net:" + h + ":" + port).toList());
            assertThat(listening.stringify(Scope.LOCAL)).isEqualTo(expectedLocal);
        }
    }

    @Test
    @Timeout(20)
    void aLoopbackServerServesOnlyTheDevice() throws Exception {
        try (MultiServer server = MultiServer.builder().listen("net:127.0.0.1:0").build()) {
            var listening = server.listen(c -> c.close()).get(10, TimeUnit.SECONDS);
            assertThat(listening.stringify(Scope.DEVICE)).startsWith("net:127.0.0.1:");
            assertThat(listening.stringify(Scope.LOCAL)).isEmpty();
            assertThat(listening.stringify(Scope.PUBLIC)).isEmpty();
        }
    }
}
