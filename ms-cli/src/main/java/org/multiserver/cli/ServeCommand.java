package org.multiserver.cli;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.multiserver.core.Connection;
import org.multiserver.core.Failures;
import org.multiserver.core.MultiServer;
import org.multiserver.shs.ShsTransformProvider;
import org.multiserver.spi.HalfCloseHandler;
import org.multiserver.spi.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code multiserver serve}: listens on every spec and prints the full address as the first line of stdout. */
@Command(name = "serve", description = {"Serve on every listen spec; the first line on stdout is the address.",
        "By default: net:localhost:8007~shs2, net:localhost:8008~shs and ws://localhost:8989~shs, with one key,"
                + " printed in that order (newest protocol first, so a client that knows shs2 prefers it and an"
                + " older one skips it)."})
final class ServeCommand implements Callable<Integer> {
    /**
     * The operator's log: the key file, what was bound, the shutdown (shown by default, see {@link Main#run}); each
     * connection and each failed handshake at debug, shown with {@code --verbose}.
     */
    static final String LOG_NAME = "multiserver.serve";
    private static final Logger LOG = LoggerFactory.getLogger(LOG_NAME);
    /**
     * Newest first: the address lists alternatives in this order and clients take the first they understand, so
     * shs2 on its own port comes before shs (upgrading means serving the new protocol beside the old one).
     */
    static final List<String> DEFAULT_SPECS = List.of("net:localhost:8007~shs2", "net:localhost:8008~shs",
            "ws://localhost:8989~shs");

    @Option(names = "--listen", paramLabel = "SPEC",
            description = "A listen spec such as net:0.0.0.0:0~shs2, net:0.0.0.0:0~shs or ws://127.0.0.1:0~shs"
                    + " (repeatable; printed in the order given)."
                    + " Default: net:localhost:8007~shs2, net:localhost:8008~shs and ws://localhost:8989~shs.")
    List<String> listen = new ArrayList<>();

    @Option(names = "--scope", paramLabel = "NAME",
            description = "Scopes to serve and print: device, local, private, public (repeatable). Default: device.")
    List<String> scopes = new ArrayList<>();

    @Option(names = "--allow", paramLabel = "KEY",
            description = "Only let in peers with this public key (base64; repeatable), over shs and shs2."
                    + " Default: anyone with the app key.")
    List<String> allow = new ArrayList<>();

    @ArgGroup(exclusive = true)
    Mode mode = new Mode();

    static final class Mode {
        @Option(names = "--echo", description = "Echo every connection (the default).")
        boolean echo;

        @Option(names = "--forward", paramLabel = "HOST:PORT",
                description = "Pipe each authenticated connection to a local TCP service.")
        String forward;

        @Option(names = "--stdio", description = "Pipe one connection to stdin and stdout.")
        boolean stdio;
    }

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> specs = specs();
        Set<Scope> served = new LinkedHashSet<>();
        for (String s : scopes) {
            served.add(Scope.fromLabel(s));
        }
        if (served.isEmpty()) {
            served.add(Scope.DEVICE);
        }
        Consumer<Connection> handler = handler();
        MultiServer.Builder builder = common.builder().onServerError((peer, stack, error) ->
                LOG.debug("{} from {} failed: {}", stack, peer, Main.oneLine(Failures.unwrap(error))))
                .handlersOnEventLoop(!mode.stdio); // echo and forward only attach handlers; stdio blocks
        if (!allow.isEmpty()) {
            Set<String> allowed = new LinkedHashSet<>();
            for (String key : allow) {
                allowed.add(Keys.canonical(key));
            }
            AllowList list = new AllowList(allowed);
            builder.option(ShsTransformProvider.AUTHORIZE, list.shs());
            // shs2 may come from the plugin path: its authorizer type is found through the plugin's declared option.
            CommonOptions.Plugins plugins = common.plugins();
            var shs2 = plugins.option(CommonOptions.SHS2_AUTHORIZE);
            if (shs2.isPresent()) {
                authorize(builder, shs2.get(), list);
            } else if (plugins.names().contains("shs2")) {
                throw new IllegalArgumentException("--allow cannot be applied to shs2: its plugin declares no "
                        + CommonOptions.SHS2_AUTHORIZE + " option");
            }
        }
        for (String s : specs) {
            builder.listen(s, scopes.isEmpty() ? null : served);
        }
        try (MultiServer server = builder.build()) {
            MultiServer.Listening listening = server.listen(logged(handler)).join();
            String address = addressFor(listening, served);
            if (address.isEmpty() && scopes.isEmpty()) {
                // Nothing serves the device (an onion service is public only): print what does exist.
                address = addressFor(listening, java.util.EnumSet.allOf(Scope.class));
            }
            if (address.isEmpty()) {
                // Nothing to print: a client could not reach us from the scopes asked, so serving on is pointless.
                throw new NoAddressException(noAddress(listening, specs, served));
            }
            LOG.info("{} key file {}", common.keyFileOutcome == SecretFile.Outcome.CREATED ? "created" : "read",
                    common.keyFile.toAbsolutePath());
            for (Scope scope : Scope.values()) {
                listening.address(scope).ifPresent(a -> LOG.info("listening for {}: {}", scope, a));
            }
            for (Scope scope : served) {
                if (listening.address(scope).isEmpty()) {
                    LOG.warn("no address for scope {}: {}", scope, noAddress(listening, specs, Set.of(scope)));
                }
            }
            // Only a server that is serving has something to shut down; one that failed to start just says why.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                int open = server.openConnections();
                LOG.info("shutting down{}", open == 0 ? "" : ", closing " + open + " connection"
                        + (open == 1 ? "" : "s"));
                server.close();
                LOG.info("stopped");
                done.countDown();
            }, "multiserver-shutdown"));
            var out = spec.commandLine().getOut();
            out.println(address);
            out.flush();
            done.await();
        }
        return Main.OK;
    }

    /** A server with no address for the scopes asked: a failure of the machine or the specs, not of the syntax. */
    static final class NoAddressException extends java.io.IOException {
        NoAddressException(String message) {
            super(message);
        }
    }

    /** Why {@code listening} prints nothing for {@code asked}, and which scopes it does serve. */
    private static String noAddress(MultiServer.Listening listening, List<String> specs, Set<Scope> asked) {
        List<String> servedScopes = new ArrayList<>();
        for (Scope scope : Scope.values()) {
            if (listening.address(scope).isPresent()) {
                servedScopes.add(scope.label());
            }
        }
        String which = asked.stream().map(Scope::label).collect(java.util.stream.Collectors.joining(", "));
        return "no address for scope" + (asked.size() > 1 ? "s " : " ") + which + ": none of the listen specs ("
                + String.join(", ", specs) + ") gives one; this machine may have no address in that scope (a host"
                + " such as 0.0.0.0 stands for the interfaces' addresses of each scope)"
                + (servedScopes.isEmpty() ? "" : "; the scopes served: " + String.join(", ", servedScopes));
    }

    /** Each connection in the log, with {@code --verbose}: who, over which stack, and when it ends. */
    private static Consumer<Connection> logged(Consumer<Connection> handler) {
        return connection -> {
            if (LOG.isDebugEnabled()) {
                LOG.debug("connection from {}", connection.remoteAddress());
                connection.closeFuture().whenComplete((ok, error) ->
                        LOG.debug("connection from {} ended", connection.remoteAddress()));
            }
            handler.accept(connection);
        };
    }

    private static <T> void authorize(MultiServer.Builder builder, org.multiserver.spi.Option<T> option,
                                      AllowList list) {
        builder.option(option, list.as(option));
    }

    /**
     * The listen specs: those given, or else the default ones whose protocols some plugin provides (a command
     * built without ms-plugin-shs2 and given no plugin path still serves the shs stacks, and says what it left out).
     */
    List<String> specs() throws java.net.MalformedURLException {
        if (!listen.isEmpty()) {
            return listen;
        }
        Set<String> known = common.plugins().names();
        List<String> specs = new ArrayList<>();
        for (String s : DEFAULT_SPECS) {
            if (known.containsAll(org.multiserver.address.Address.parse(s).names())) {
                specs.add(s);
            } else {
                LOG.warn("not serving the default stack {}: no plugin for it (plugins: {})", s, known);
            }
        }
        return specs;
    }

    /** Every alternative that reaches the server from one of {@code scopes}, each once, in their order. */
    private static String addressFor(MultiServer.Listening listening, Set<Scope> scopes) {
        Set<String> alternatives = new LinkedHashSet<>();
        for (Scope scope : scopes) {
            listening.address(scope).ifPresent(a -> a.alternatives().forEach(alt -> alternatives.add(alt.toString())));
        }
        return String.join(";", alternatives);
    }

    /** Counted down by the shutdown hook, or by {@code --stdio} when its one connection has ended. */
    private final CountDownLatch done = new CountDownLatch(1);

    private Consumer<Connection> handler() {
        if (mode.forward != null) {
            int colon = mode.forward.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("--forward expects HOST:PORT, got '" + mode.forward + "'");
            }
            String host = mode.forward.substring(0, colon);
            String portText = mode.forward.substring(colon + 1);
            int port = -1;
            if (!portText.isEmpty() && portText.length() <= 5 && portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
                port = Integer.parseInt(portText);
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("--forward expects HOST:PORT with a port to dial, 1 to 65535; got '"
                        + mode.forward + "'");
            }
            int to = port;
            return connection -> forward(connection, host, to);
        }
        if (mode.stdio) {
            AtomicBoolean taken = new AtomicBoolean();
            return connection -> {
                if (!taken.compareAndSet(false, true)) {
                    LOG.info("refusing {}: --stdio serves one connection", connection.remoteAddress());
                    connection.abort();
                    return;
                }
                Pipes.stdio(connection, System.in, System.out);
                done.countDown();
            };
        }
        return connection -> connection.attach(new Relay());
    }

    /** Opens a TCP connection to the service and relays both ways, half-close included. */
    private static void forward(Connection connection, String host, int port) {
        Channel inbound = connection.channel();
        ChannelFuture outbound = new Bootstrap()
                .group(inbound.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false)
                .handler(HalfCloseHandler.INSTANCE)
                .connect(host, port);
        inbound.config().setAutoRead(false);
        outbound.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                LOG.info("cannot forward {} to {}:{}: {}", connection.remoteAddress(), host, port,
                        f.cause().getMessage());
                connection.abort();
                return;
            }
            Channel service = f.channel();
            service.pipeline().addLast(new Relay(inbound));
            connection.attach(new Relay(service)).thenRun(() -> {
                service.config().setAutoRead(true);
                inbound.config().setAutoRead(true);
            });
        });
    }

    /** Blocking pipes between a connection and a pair of streams. */
    static final class Pipes {
        private Pipes() {
        }

        /** Copies {@code in} to the connection (ending our side at its end) and the connection to {@code out}. */
        static void stdio(Connection connection, InputStream in, OutputStream out) {
            Thread writer = new Thread(() -> {
                try (OutputStream toPeer = connection.output()) {
                    in.transferTo(toPeer);
                } catch (java.io.IOException e) {
                    LOG.debug("stdin to peer stopped: {}", e.getMessage());
                }
            }, "multiserver-stdin");
            writer.setDaemon(true);
            writer.start();
            try {
                InputStream fromPeer = connection.input();
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = fromPeer.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (java.io.IOException e) {
                LOG.info("connection ended: {}", e.getMessage());
            } finally {
                connection.close();
            }
        }
    }
}
