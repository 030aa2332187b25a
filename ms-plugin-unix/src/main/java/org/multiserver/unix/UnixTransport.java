package org.multiserver.unix;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.multiserver.address.Section;
import org.multiserver.spi.ChannelFutures;
import org.multiserver.spi.HalfCloseHandler;
import org.multiserver.spi.Listener;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Unix domain sockets, {@code unix:{path}}: this machine only, with half-close. */
final class UnixTransport implements Transport {
    static final String NAME = "unix";
    private static final Logger LOG = LoggerFactory.getLogger(UnixTransport.class);

    private final PluginContext context;

    UnixTransport(PluginContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<Endpoint> parse(Section section) {
        if (!NAME.equals(section.name())) {
            return Optional.empty();
        }
        String path = SocketPath.parse(section);
        Section canonical = SocketPath.section(path);
        return Optional.of(new Endpoint() {
            @Override
            public Section section() {
                return canonical;
            }

            @Override
            public CompletableFuture<Channel> connect() {
                return dial(canonical, path, channel -> { });
            }

            @Override
            public CompletableFuture<Channel> connect(Consumer<Channel> beforeFirstRead) {
                return dial(canonical, path, beforeFirstRead);
            }
        });
    }

    private CompletableFuture<Channel> dial(Section address, String path, Consumer<Channel> beforeFirstRead) {
        DomainSockets sockets;
        ChannelFuture connect;
        try {
            sockets = DomainSockets.forLoopsOf(context);
            connect = new Bootstrap()
                    .group(context.eventLoopGroup())
                    .channelFactory(sockets.client())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) context.connectTimeout().toMillis())
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            // Runs at registration, on the event loop, before the connect: nothing can be read yet.
                            ch.pipeline().addLast(HalfCloseHandler.NAME, HalfCloseHandler.INSTANCE);
                            beforeFirstRead.accept(ch);
                        }
                    })
                    .connect(sockets.address(Path.of(path)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(describe(address, e));
        }
        return ChannelFutures.connected(connect, error -> describe(address, error));
    }

    private Throwable describe(Section address, Throwable error) {
        String message = String.valueOf(error.getMessage());
        String why;
        if (error instanceof ConnectTimeoutException) {
            why = "timed out after " + context.connectTimeout().toMillis() + " ms";
        } else if (message.contains("No such file")) {
            why = "no socket file there";
        } else if (error instanceof ConnectException || message.contains("Connection refused")) {
            why = "connection refused (the socket file has no server behind it)";
        } else if (message.contains("Permission denied")) {
            why = "permission denied (the socket belongs to another user)";
        } else {
            why = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        }
        return new IOException(address + ": " + why, error);
    }

    @Override
    public CompletableFuture<Listener> listen(Acceptor acceptor) {
        if (context.scopes().isPresent() && !context.scopes().get().contains(Scope.DEVICE)) {
            return CompletableFuture.failedFuture(new IOException("unix sockets serve only the device scope, not "
                    + context.scopes().get()));
        }
        Path createdDir = null;
        SocketFile file;
        DomainSockets sockets;
        try {
            sockets = DomainSockets.forLoopsOf(context);
            Path path;
            String given = context.listenSpec().filter(s -> !s.data().isEmpty()).map(SocketPath::parse)
                    .orElse(context.option(UnixOptions.PATH));
            if (given != null) {
                path = Path.of(given).toAbsolutePath().normalize();
            } else {
                // As the JS plugin: a fresh private directory with a socket in it, removed on close.
                createdDir = Files.createTempDirectory("multiserver-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                path = createdDir.resolve("socket");
            }
            String problem = SocketPath.whyNotServable(path);
            if (problem != null) {
                throw new IOException(problem);
            }
            file = SocketFile.prepare(path);
        } catch (IOException | RuntimeException e) {
            if (createdDir != null) {
                SocketFile.removeDirectory(createdDir);
            }
            return CompletableFuture.failedFuture(e);
        }

        Path tempDir = createdDir;
        Section printed = SocketPath.section(file.path().toString());
        // stayClosed: a connection accepted just before close() but initialised after it is closed, not leaked.
        ChannelGroup accepted = new DefaultChannelGroup("unix-accepted", GlobalEventExecutor.INSTANCE, true);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(context.eventLoopGroup())
                .channelFactory(sockets.server())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.add(ch);
                        if (!ch.isOpen()) {
                            return; // the listener closed meanwhile
                        }
                        ch.pipeline().addLast(HalfCloseHandler.NAME, HalfCloseHandler.INSTANCE);
                        // A unix client has no name of its own; like the JS plugin, name the socket it came in by.
                        acceptor.accept(ch, printed);
                    }
                });
        CompletableFuture<Listener> result = new CompletableFuture<>();
        ChannelFuture bind;
        try {
            bind = bootstrap.bind(sockets.address(file.bindPath()));
        } catch (RuntimeException e) {
            file.abandon();
            cleanUp(null, tempDir);
            return CompletableFuture.failedFuture(e);
        }
        bind.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                file.abandon();
                cleanUp(null, tempDir);
                result.completeExceptionally(new IOException("cannot bind " + file.path() + ": "
                        + f.cause().getMessage(), f.cause()));
                return;
            }
            try {
                file.publish();
            } catch (IOException | RuntimeException e) {
                f.channel().close();
                cleanUp(null, tempDir);
                result.completeExceptionally(new IOException("cannot serve " + file.path() + ": " + e.getMessage(),
                        e));
                return;
            }
            LOG.debug("listening on {}", printed);
            result.complete(new UnixListener(f.channel(), accepted, file, tempDir, printed));
        });
        return result;
    }

    private static void cleanUp(SocketFile file, Path tempDir) {
        if (file != null) {
            file.remove();
        }
        if (tempDir != null) {
            SocketFile.removeDirectory(tempDir);
        }
    }

    private static final class UnixListener implements Listener {
        private final Channel server;
        private final ChannelGroup accepted;
        private final SocketFile file;
        private final Path tempDir;
        private final Section printed;

        UnixListener(Channel server, ChannelGroup accepted, SocketFile file, Path tempDir, Section printed) {
            this.server = server;
            this.accepted = accepted;
            this.file = file;
            this.tempDir = tempDir;
            this.printed = printed;
        }

        @Override
        public Set<Scope> scopes() {
            return Set.of(Scope.DEVICE);
        }

        @Override
        public List<Section> addresses(Scope scope) {
            return scope == Scope.DEVICE ? List.of(printed) : List.of();
        }

        @Override
        public CompletableFuture<Void> close() {
            CompletableFuture<Void> serverClosed = ChannelFutures.toCompletable(server.close()).whenComplete(
                    (ok, error) -> cleanUp(file, tempDir));
            CompletableFuture<Void> childrenClosed = ChannelFutures.toCompletable(accepted.close());
            return CompletableFuture.allOf(serverClosed, childrenClosed);
        }
    }
}
