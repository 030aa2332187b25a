package org.multiserver.cli;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.multiserver.address.Address;
import org.multiserver.address.MultiAddress;
import org.multiserver.core.Connection;
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
            description = "Listen on 127.0.0.1:N and tunnel each local connection through a new connection.")
    Integer localPort;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        MultiAddress target = MultiAddress.parse(address);
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
                            LOG.warn("tunnel to {} failed: {}", target, Main.oneLine(Main.unwrap(error)));
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
     * A client whose stacks are exactly the shapes of the address's alternatives that plugins exist for, so any
     * protocol on the class path or plugin path can be dialled without naming it; an alternative no plugin can dial
     * (shs2 for a command without its jar) is left to the MultiServer to skip.
     */
    static MultiServer clientFor(MultiAddress target, CommonOptions common) throws Exception {
        return clientFor(target, common.builder(), common.plugins().names());
    }

    /** {@link #clientFor(MultiAddress, CommonOptions)} with the plugins {@code known} to {@code builder}'s loader. */
    static MultiServer clientFor(MultiAddress target, MultiServer.Builder builder, Set<String> known) {
        Set<String> shapes = new LinkedHashSet<>();
        for (Address alternative : target.alternatives()) {
            shapes.add(String.join("~", alternative.names()));
        }
        int added = 0;
        for (String shape : shapes) {
            if (known.containsAll(java.util.List.of(shape.split("~")))) {
                builder.listen(shape);
                added++;
            }
        }
        if (added == 0) {
            throw new IllegalArgumentException("no plugin can dial " + target + " (plugins: " + known + ")");
        }
        return builder.build();
    }
}
