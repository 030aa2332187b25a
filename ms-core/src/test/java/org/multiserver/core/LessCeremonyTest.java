package org.multiserver.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;

/**
 * Issue 14's "less ceremony" (MultiServer.of, serve with a handler that may throw IOException, stringify() with a
 * default scope) and issue 17's typed errors, over real TCP on loopback ({@link LoopbackTcpProvider}).
 */
@Timeout(30)
class LessCeremonyTest {

    @Test
    void threeLinesServeAndDial() throws Exception {
        try (MultiServer ms = MultiServer.of("tcp:127.0.0.1:0")) {
            MultiServer.Listening server = ms.serve(c -> c.input().transferTo(c.output()));
            Connection c = ms.connect(server.stringify()).join();

            assertThat(server.stringify()).startsWith("tcp:127.0.0.1:").isEqualTo(server.stringify(Scope.DEVICE));
            c.output().write("hello".getBytes(StandardCharsets.UTF_8));
            c.shutdownOutput();
            assertThat(new String(c.input().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
            c.close();
        }
    }

    @Test
    void aHandlersIOExceptionClosesItsConnectionReachesTheErrorHandlerAndTheServerCarriesOn() throws Exception {
        CompletableFuture<String> reported = new CompletableFuture<>();
        try (MultiServer ms = MultiServer.builder().listen("tcp:127.0.0.1:0")
                .onServerError((peer, stack, error) -> reported.complete(stack + " " + error.getMessage()))
                .build()) {
            MultiServer.Listening server = ms.serve(c -> {
                if (c.input().read() == 'x') {
                    throw new IOException("x is not welcome");
                }
                c.output().write('y');
                c.close();
            });
            Connection refused = ms.connect(server.stringify()).join();
            refused.output().write('x');
            refused.output().flush();
            assertThat(refused.input().read()).isEqualTo(-1);
            assertThat(reported.get(10, TimeUnit.SECONDS)).isEqualTo("tcp x is not welcome");

            Connection next = ms.connect(server.stringify()).join();
            next.output().write('a');
            next.output().flush();
            assertThat(next.input().read()).isEqualTo('y');
            next.close();
            refused.close();
        }
    }

    @Test
    void stringifyWithoutAScopeTakesTheNarrowestThatHasAnAddress() throws Exception {
        try (MultiServer ms = MultiServer.builder().listen("tcp:127.0.0.1:0", Set.of(Scope.PUBLIC, Scope.LOCAL))
                .build()) {
            MultiServer.Listening server = ms.serve(Connection::close);
            assertThat(server.stringify(Scope.DEVICE)).isEmpty();
            assertThat(server.stringify()).isEqualTo(server.stringify(Scope.LOCAL)).startsWith("tcp:127.0.0.1:");
        }
    }

    @Test
    void serveThrowsAListenExceptionNamingTheStack() throws Exception {
        try (MultiServer first = MultiServer.of("tcp:127.0.0.1:0")) {
            String taken = first.serve(Connection::close).stringify();
            try (MultiServer second = MultiServer.of(taken)) {
                assertThatThrownBy(() -> second.serve(Connection::close))
                        .isInstanceOfSatisfying(ListenException.class, e -> {
                            assertThat(e.stack()).isEqualTo("tcp");
                            assertThat(e.getMessage()).startsWith("could not listen on tcp: ");
                            assertThat(e.getCause()).isInstanceOf(java.net.BindException.class);
                        });
                assertThatThrownBy(() -> second.listen(c -> { }).join())
                        .isInstanceOf(CompletionException.class).cause().isInstanceOf(ListenException.class);
            }
        }
    }

    @Test
    void aPeerOverTheLimitIsRefusedWithATypedError() throws Exception {
        CompletableFuture<RefusedException> refusal = new CompletableFuture<>();
        CountDownLatch firstIn = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (MultiServer ms = MultiServer.builder().listen("tcp:127.0.0.1:0").maxConnections(1)
                .onServerError((peer, stack, error) -> {
                    if (error instanceof RefusedException r) {
                        refusal.complete(r);
                    }
                }).build()) {
            MultiServer.Listening server = ms.serve(c -> {
                firstIn.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                c.close();
            });
            Connection first = ms.connect(server.stringify()).join();
            assertThat(firstIn.await(10, TimeUnit.SECONDS)).isTrue();
            Connection second = ms.connect(server.stringify()).join();

            RefusedException r = refusal.get(10, TimeUnit.SECONDS);
            assertThat(r.limit()).isEqualTo(RefusedException.Limit.CONNECTIONS);
            assertThat(r.max()).isEqualTo(1);
            assertThat(r.peer()).startsWith("tcp:127.0.0.1:");
            assertThat(r.getMessage()).isEqualTo("refused: 1 connections are open (the limit)");
            assertThat(second.input().read()).isEqualTo(-1);
            release.countDown();
            first.close();
            second.close();
        }
    }

    @Test
    void aRefusedDialIsADialExceptionWhoseAttemptCarriesJavasConnectException() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (MultiServer ms = MultiServer.client()) {
            assertThatThrownBy(() -> ms.connect("tcp:127.0.0.1:" + closedPort).join())
                    .cause().isInstanceOfSatisfying(DialException.class, e -> {
                        assertThat(e.address()).isEqualTo("tcp:127.0.0.1:" + closedPort);
                        assertThat(e.attempts()).singleElement().satisfies(a ->
                                assertThat(a.cause()).isInstanceOf(java.net.ConnectException.class));
                    });
        }
    }

    @Test
    void aResetWhileReadingIsAConnectionExceptionWithTheAddress() throws Exception {
        try (MultiServer ms = MultiServer.of("tcp:127.0.0.1:0")) {
            MultiServer.Listening server = ms.serve(c -> {
                c.channel().config().setOption(ChannelOption.SO_LINGER, 0); // close with a reset
                c.abort();
            });
            Connection c = ms.connect(server.stringify()).join();
            assertThatThrownBy(() -> c.input().read())
                    .isInstanceOfSatisfying(ConnectionException.class, e -> {
                        assertThat(e.address()).isEqualTo(c.remoteAddress());
                        assertThat(e.getMessage()).startsWith(c.remoteAddress() + ": ");
                    });
            c.close();
        }
    }

    @Test
    void pluginsAreToldTheLoopKind() {
        try (MultiServer ms = MultiServer.of("tcp:127.0.0.1:0")) {
            assertThat(ms.nativeTransport()).isFalse();
            assertThat(LoopbackTcpProvider.lastLoopKind).isEqualTo(PluginContext.LoopKind.NIO);
        }
        var group = new io.netty.channel.DefaultEventLoop();
        try {
            assertThat(PluginContext.builder().eventLoopGroup(group, EpollSocketChannel.class,
                    EpollServerSocketChannel.class).build().loopKind()).isEqualTo(PluginContext.LoopKind.EPOLL);
            assertThat(PluginContext.builder().eventLoopGroup(group, NioSocketChannel.class,
                    NioServerSocketChannel.class).build().loopKind()).isEqualTo(PluginContext.LoopKind.NIO);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void unwrapFindsTheErrorBehindFuturesAndStreams() {
        IOException root = new IOException("the real one");
        Throwable wrapped = new CompletionException(new ExecutionException(new UncheckedIOException(root)));
        assertThat(Failures.unwrap(wrapped)).isSameAs(root);
        assertThat(Failures.message(wrapped)).isEqualTo("the real one");
        assertThat(Failures.message(new CompletionException(new IllegalStateException()))).isEqualTo(
                "IllegalStateException");
    }
}
