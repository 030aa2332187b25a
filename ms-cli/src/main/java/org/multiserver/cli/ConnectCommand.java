package org.multiserver.cli;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.multiserver.address.Address;
import org.multiserver.address.MultiAddress;
import org.multiserver.core.Connection;
import org.multiserver.core.Failures;
import org.multiserver.core.MultiServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code multiserver connect ADDRESS}: pipes stdin and stdout through a connection; the end of stdin ends our write
 * side and the command exits once the peer has finished too. With {@code --local-port}, tunnels every local TCP
 * connection through a new connection instead.
 */
@Command(name = "connect", description = "Connect to ADDRESS and pipe stdin/stdout, or tunnel a local port.")
final class ConnectCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectCommand.class);

    @Parameters(paramLabel = "ADDRESS", description = "A multiserver address, such as net:host:8008~shs:KEY or the"
            + " whole address serve printed (the first alternative some plugin can dial is used).")
    String address;

    @Option(names = "--local-port", paramLabel = "N",
            description = "Listen on 127.0.0.1:N and tunnel each local connection through a new connection"
                    + " (a port to listen on: 0 to 65535, 0 for any free port; the address is printed).")
    Integer localPort;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        MultiAddress target = MultiAddress.parse(address);
        if (localPort != null && (localPort < 0 || localPort > 65535)) {
            throw new IllegalArgumentException("--local-port must be a port to listen on, 0 to 65535 (0 for any free"
                    + " port), got " + localPort);
        }
        try (MultiServer client = clientFor(target, common)) {
            if (localPort == null) {
                Connection connection = client.connect(target).join();
                LOG.info("connected to {}", connection.remoteAddress());
                ServeCommand.Pipes.stdio(connection, System.in, System.out);
                return Main.OK;
            }
            return tunnel(client, target);
        }
    }

    private int tunnel(MultiServer client, MultiAddress target) throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        try (MultiServer local = MultiServer.builder().listen("net:127.0.0.1:" + localPort).build()) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "multiserver-shutdown"));
            MultiServer.Listening listening = local.listen(inbound -> client.connect(target).whenComplete(
                    (remote, error) -> {
                        if (error != null) {
                            LOG.warn("tunnel to {} failed: {}", target, Main.oneLine(Failures.unwrap(error)));
                            inbound.abort();
                            return;
                        }
                        inbound.attach(new Relay(remote.channel()));
                        remote.attach(new Relay(inbound.channel()));
                    })).join();
            System.out.println(listening.stringify(org.multiserver.spi.Scope.DEVICE));
            System.out.flush();
            stop.await();
        }
        return Main.OK;
    }

    /**
     * A client whose stacks are exactly the shapes of the address's alternatives that plugins exist for (a transport
     * then transforms), so any protocol on the class path or plugin path can be dialled without naming it; an
     * alternative no plugin can dial (shs2 for a command without its jar) is left to the MultiServer to skip. When
     * no alternative can be dialled, the error says why: the first item a plugin rejects (with its column), or the
     * plugins missing.
     */
    static MultiServer clientFor(MultiAddress target, CommonOptions common) throws Exception {
        CommonOptions.Plugins plugins = common.plugins();
        try (AddressCheck check = new AddressCheck(plugins, common.plugin.textOptions())) {
            if (target.alternatives().stream().noneMatch(a -> check.read(a).ok())) {
                throw whyNothingDials(target, plugins, check);
            }
        }
        return clientFor(target, common.builder(), plugins);
    }

    /** {@link #clientFor(MultiAddress, CommonOptions)} with the {@code plugins} {@code builder}'s loader finds. */
    static MultiServer clientFor(MultiAddress target, MultiServer.Builder builder, CommonOptions.Plugins plugins) {
        Set<String> shapes = new LinkedHashSet<>();
        for (Address alternative : target.alternatives()) {
            if (plugins.canStack(alternative.names())) {
                shapes.add(String.join("~", alternative.names()));
            }
        }
        if (shapes.isEmpty()) {
            try (AddressCheck check = new AddressCheck(plugins, java.util.Map.of())) {
                throw whyNothingDials(target, plugins, check);
            }
        }
        shapes.forEach(builder::listen);
        return builder.build();
    }

    /** The first alternative's error as its plugins report it, else that no plugin can dial any of them. */
    private static IllegalArgumentException whyNothingDials(MultiAddress target, CommonOptions.Plugins plugins,
                                                            AddressCheck check) {
        for (Address alternative : target.alternatives()) {
            AddressCheck.Reading reading = check.read(alternative);
            if (reading.error() != null) {
                return reading.error();
            }
        }
        return new IllegalArgumentException("no plugin can dial " + target + " (plugins: " + plugins.names() + ")");
    }
}
