package org.multiserver.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.multiserver.core.Connection;
import org.multiserver.core.MultiServer;
import org.multiserver.spi.Scope;

/**
 * What a ws server does with clients that are not polite WebSocket peers, spoken to over a raw socket: each gets a
 * clear answer (an HTTP status with a reason, a close frame with a status, an error for the handler) and the server
 * goes on serving the next client.
 */
@Timeout(60)
class WsServerBadInputTest {
    private MultiServer server;
    private int port;
    private String address;
    /** What each accepted connection's handler saw: "bytes N" at a clean end, or "error <message>". */
    private final BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();
    private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    /** A server whose handler reads to the end and reports what it saw; echoes when asked with "echo" first. */
    private void start(String spec, MultiServer.Builder builder) throws Exception {
        server = builder.listen(spec).build();
        var listening = server.listen(connection -> {
            accepted.add(connection);
            try (InputStream in = connection.input()) {
                long total = 0;
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    total += n;
                    connection.output().write(buffer, 0, n);
                }
                connection.output().close();
                outcomes.add("bytes " + total);
            } catch (IOException e) {
                outcomes.add("error " + e.getMessage());
                connection.close();
            }
        }).get(10, TimeUnit.SECONDS);
        address = listening.stringify(Scope.DEVICE);
        port = Integer.parseInt(address.replaceAll(".*:(\\d+)(/.*)?$", "$1"));
    }

    private void start() throws Exception {
        start("ws://127.0.0.1:0", MultiServer.builder());
    }

    /** A polite client still gets served: upgrade, a binary frame echoed, a clean close both ways. */
    private void assertStillServing() throws Exception {
        try (RawWs ws = new RawWs(port)) {
            assertThat(ws.upgrade("/", Map.of()).status()).isEqualTo(101);
            ws.send(true, RawWs.BINARY, "still here".getBytes(StandardCharsets.US_ASCII));
            RawWs.Frame echo = ws.read();
            assertThat(echo.opcode()).isEqualTo(RawWs.BINARY);
            assertThat(echo.text()).isEqualTo("still here");
            ws.sendClose(1000);
            RawWs.Frame close = ws.read();
            assertThat(close.opcode()).isEqualTo(RawWs.CLOSE);
            assertThat(close.closeStatus()).isEqualTo(1000);
            assertThat(ws.readEnd()).isEqualTo(-1);
        }
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).isEqualTo("bytes 10");
    }

    @Test
    void aPlainHttpRequestGets404AndTheServerKeepsServing() throws Exception {
        start();
        try (RawWs http = new RawWs(port)) {
            RawWs.Response response = http.request("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.headers().get("content-type")).startsWith("text/plain");
            assertThat(response.body()).contains("multiserver WebSocket endpoint");
            // HTTP/1.1 keeps the connection: the same socket may still upgrade.
            assertThat(http.upgrade("/", Map.of()).status()).isEqualTo(101);
        }
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).startsWith("error ").contains("without a WebSocket close");
        assertStillServing();
    }

    @Test
    void plainHttpGoesToTheResponderOption() throws Exception {
        Function<FullHttpRequest, FullHttpResponse> responder = request -> new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer("hello from " + request.uri(), StandardCharsets.UTF_8));
        start("ws://127.0.0.1:0", MultiServer.builder().option(WsOptions.HTTP_RESPONDER, responder));
        try (RawWs http = new RawWs(port)) {
            RawWs.Response response = http.request("GET /about HTTP/1.0\r\n\r\n");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello from /about");
            assertThat(http.readEnd()).isEqualTo(-1); // HTTP/1.0: closed after the answer
        }
        assertStillServing();
    }

    @Test
    void plainHttpGoesToTheHandlerOption() throws Exception {
        Supplier<ChannelHandler> handler = () -> new SimpleChannelInboundHandler<FullHttpRequest>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(418), Unpooled.copiedBuffer("netty", StandardCharsets.UTF_8));
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 5);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        };
        start("ws://127.0.0.1:0", MultiServer.builder().option(WsOptions.HTTP_HANDLER, handler));
        try (RawWs http = new RawWs(port)) {
            RawWs.Response response = http.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(response.status()).isEqualTo(418);
            assertThat(response.body()).isEqualTo("netty");
        }
        assertStillServing(); // the handler is gone from an upgraded pipeline
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no key|Sec-WebSocket-Key||400|missing key",
        "version 8|Sec-WebSocket-Version|8|426|unsupported WebSocket version '8'",
        "no version|Sec-WebSocket-Version||426|no Sec-WebSocket-Version header",
        "no Connection: Upgrade|Connection|keep-alive|400|Connection",
    })
    void aMalformedUpgradeGetsAStatusAndAReason(String name, String header, String value, int status, String reason)
            throws Exception {
        start();
        java.util.HashMap<String, String> extra = new java.util.HashMap<>();
        extra.put(header, value == null || value.isEmpty() ? null : value);
        try (RawWs ws = new RawWs(port)) {
            RawWs.Response response = ws.upgrade("/", extra);
            assertThat(response.status()).isEqualTo(status);
            assertThat(response.body()).contains(reason);
            if (status == 426) {
                assertThat(response.headers().get("sec-websocket-version")).isEqualTo("13");
            }
            assertThat(ws.readEnd()).isEqualTo(-1);
        }
        assertStillServing();
    }

    @Test
    void anUpgradeWithAnotherMethodOrGarbageIsRefused() throws Exception {
        start();
        try (RawWs ws = new RawWs(port)) {
            String post = RawWs.upgradeRequest("/", Map.of()).replaceFirst("^GET", "POST");
            RawWs.Response response = ws.request(post);
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).contains("method");
        }
        try (RawWs garbage = new RawWs(port)) {
            // A TLS client hello sent to a plain ws port.
            RawWs.Response response = garbage.request("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\r\n\r\n");
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).contains("malformed HTTP request");
        }
        assertStillServing();
    }

    @Test
    void anUpgradeToAnotherPathGets404() throws Exception {
        start("ws://127.0.0.1:0/ssb", MultiServer.builder());
        assertThat(address).endsWith("/ssb");
        try (RawWs ws = new RawWs(port)) {
            RawWs.Response response = ws.upgrade("/other", Map.of());
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.body()).contains("no WebSocket endpoint at /other");
        }
        try (RawWs ws = new RawWs(port)) {
            assertThat(ws.upgrade("/ssb?x=1", Map.of()).status()).isEqualTo(101);
        }
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).contains("without a WebSocket close frame");
    }

    @Test
    void aTextFrameIsAnErrorThatClosesWith1003() throws Exception {
        start();
        try (RawWs ws = new RawWs(port)) {
            assertThat(ws.upgrade("/", Map.of()).status()).isEqualTo(101);
            ws.send(true, RawWs.BINARY, new byte[] {1, 2, 3});
            assertThat(ws.read().payload()).containsExactly(1, 2, 3);
            ws.send(true, RawWs.TEXT, "hello".getBytes(StandardCharsets.UTF_8));
            RawWs.Frame close = ws.read();
            assertThat(close.opcode()).isEqualTo(RawWs.CLOSE);
            assertThat(close.closeStatus()).isEqualTo(1003);
            assertThat(ws.readEnd()).isEqualTo(-1);
        }
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).startsWith("error ws:127.0.0.1:")
                .contains("the peer sent a text frame").contains("binary frames only");
        assertStillServing();
    }

    @Test
    void anOversizedFrameClosesWith1009() throws Exception {
        start("ws://127.0.0.1:0", MultiServer.builder().option(WsOptions.MAX_FRAME_SIZE, 1024));
        try (RawWs ws = new RawWs(port)) {
            assertThat(ws.upgrade("/", Map.of()).status()).isEqualTo(101);
            ws.send(true, RawWs.BINARY, new byte[1024]); // exactly the limit: fine
            assertThat(ws.read().payload()).hasSize(1024);
            ws.send(true, RawWs.BINARY, new byte[1025]);
            RawWs.Frame close = ws.read();
            assertThat(close.opcode()).isEqualTo(RawWs.CLOSE);
            assertThat(close.closeStatus()).isEqualTo(1009);
            assertThat(ws.readEnd()).isEqualTo(-1);
        }
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).startsWith("error ws:127.0.0.1:")
                .contains("bigger than the maximum frame size");
        assertStillServing();
    }

    @Test
    void anUnmaskedClientFrameIsAProtocolViolation() throws Exception {
        start();
        try (RawWs ws = new RawWs(port)) {
            assertThat(ws.upgrade("/", Map.of()).status()).isEqualTo(101);
            ws.send(true, RawWs.BINARY, new byte[] {1, 2}, false);
            RawWs.Frame close = ws.read();
            assertThat(close.opcode()).isEqualTo(RawWs.CLOSE);
            assertThat(close.closeStatus()).isEqualTo(1002);
            assertThat(ws.readEnd()).isEqualTo(-1);
        }
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).startsWith("error ws:127.0.0.1:")
                .contains("WebSocket protocol violation").contains("1002");
        assertStillServing();
    }

    @Test
    void aCloseWithAnErrorStatusIsAnErrorForTheHandler() throws Exception {
        start();
        try (RawWs ws = new RawWs(port)) {
            assertThat(ws.upgrade("/", Map.of()).status()).isEqualTo(101);
            byte[] close = {(byte) (1011 >>> 8), (byte) 1011, 'o', 'o', 'p', 's'};
            ws.send(true, RawWs.CLOSE, close);
            RawWs.Frame answer = ws.read();
            assertThat(answer.opcode()).isEqualTo(RawWs.CLOSE);
            assertThat(answer.closeStatus()).isEqualTo(1011);
            assertThat(ws.readEnd()).isEqualTo(-1);
        }
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).startsWith("error ws:127.0.0.1:")
                .contains("closed the connection with status 1011 (oops)");
        assertStillServing();
    }

    @Test
    void anAbruptTcpCloseIsAnErrorForTheHandler() throws Exception {
        start();
        try (RawWs ws = new RawWs(port)) {
            assertThat(ws.upgrade("/", Map.of()).status()).isEqualTo(101);
            ws.send(true, RawWs.BINARY, new byte[] {7});
            assertThat(ws.read().payload()).containsExactly(7);
        } // no close frame
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).startsWith("error ws:127.0.0.1:")
                .contains("closed without a WebSocket close frame");
        assertStillServing();
    }

    @Test
    void fragmentsAreStreamedPingsAnsweredAndACloseEndsBothWays() throws Exception {
        start();
        try (RawWs ws = new RawWs(port)) {
            assertThat(ws.upgrade("/", Map.of()).status()).isEqualTo(101);
            ws.send(false, RawWs.BINARY, "abc".getBytes(StandardCharsets.US_ASCII));
            ws.send(true, RawWs.PING, "p1".getBytes(StandardCharsets.US_ASCII)); // control frames may interleave
            ws.send(false, RawWs.CONTINUATION, "def".getBytes(StandardCharsets.US_ASCII));
            ws.send(true, RawWs.CONTINUATION, "ghi".getBytes(StandardCharsets.US_ASCII));
            StringBuilder echoed = new StringBuilder();
            String pong = null;
            while (echoed.length() < 9 || pong == null) {
                RawWs.Frame frame = ws.read();
                if (frame.opcode() == RawWs.PONG) {
                    pong = frame.text();
                } else {
                    assertThat(frame.opcode()).isEqualTo(RawWs.BINARY);
                    echoed.append(frame.text());
                }
            }
            assertThat(pong).isEqualTo("p1");
            assertThat(echoed).hasToString("abcdefghi");
            ws.sendClose(1000);
            RawWs.Frame close = ws.read();
            assertThat(close.opcode()).isEqualTo(RawWs.CLOSE);
            assertThat(close.closeStatus()).isEqualTo(1000);
            assertThat(ws.readEnd()).isEqualTo(-1);
        }
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).isEqualTo("bytes 9");
    }

    @ParameterizedTest(name = "Origin {0}")
    @CsvSource(delimiter = '|', value = {
        "http://127.0.0.1:8080|ws://127.0.0.1:8080",
        "https://example.com|wss://example.com",
        "http://[::1]:3000|ws://[::1]:3000",
        "null|ws:null",
        "chrome-extension://abc|",
        "http://bad host|",
    })
    void aLoopbackPeerWithAnOriginIsNamedByItAsInJs(String origin, String expected) throws Exception {
        start();
        try (RawWs ws = new RawWs(port)) {
            assertThat(ws.upgrade("/", Map.of("Origin", origin)).status()).isEqualTo(101);
            Connection connection = accepted.poll(10, TimeUnit.SECONDS);
            assertThat(connection).isNotNull();
            String socket = "ws:127.0.0.1:" + ws.localPort();
            assertThat(connection.remoteAddress().toString()).isEqualTo(expected == null ? socket : expected);
            ws.sendClose(1000);
            assertThat(ws.read().closeStatus()).isEqualTo(1000);
        }
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).isEqualTo("bytes 0");
    }

    @Test
    void aPeerWithoutOriginIsNamedByItsSocket() throws Exception {
        start();
        try (RawWs ws = new RawWs(port)) {
            assertThat(ws.upgrade("/", Map.of()).status()).isEqualTo(101);
            Connection connection = accepted.poll(10, TimeUnit.SECONDS);
            assertThat(connection.remoteAddress().toString()).isEqualTo("ws:127.0.0.1:" + ws.localPort());
            ws.sendClose(1000);
            assertThat(ws.read().closeStatus()).isEqualTo(1000);
        }
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).isEqualTo("bytes 0");
    }
}
