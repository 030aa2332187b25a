package org.multiserver.onion;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.multiserver.spi.ChannelFutures;
import org.multiserver.spi.PluginContext;

/**
 * A connection to tor's control port: commands go out one line each, replies come back in order (tor answers
 * commands in the order it got them). The protocol is tor's control-spec: a reply is lines of a three-digit status,
 * then {@code -} (more lines follow), {@code +} (a data block follows, ended by a line holding a single dot) or a
 * space (last line). Status 2xx is success, 5xx an error, 6xx an asynchronous event, which we never subscribe to
 * and skip.
 */
final class TorControl {
    /** tor's lines are short; GETINFO answers that list many services stay far below this. */
    private static final int MAX_LINE = 64 * 1024;

    private final Channel channel;
    private final TorEndpoint endpoint;
    private final Duration timeout;
    private final Queue<Pending> pending = new ArrayDeque<>();

    private TorControl(Channel channel, TorEndpoint endpoint, Duration timeout) {
        this.channel = channel;
        this.endpoint = endpoint;
        this.timeout = timeout;
    }

    /** One reply: its status and the text of its lines (after the status), data blocks joined with newlines. */
    record Reply(int status, List<String> lines) {
        boolean ok() {
            return status / 100 == 2;
        }

        /** The value of {@code key=...} among the lines, or null. */
        String value(String key) {
            for (String line : lines) {
                if (line.startsWith(key + "=")) {
                    return line.substring(key.length() + 1);
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return status + " " + String.join(" / ", lines);
        }
    }

    private record Pending(String command, CompletableFuture<Reply> reply, ScheduledFuture<?> deadline) {
    }

    /** Connects to tor's control port at {@code endpoint}; errors say what to check. */
    static CompletableFuture<TorControl> connect(PluginContext context, TorEndpoint endpoint, Duration timeout) {
        TorControl[] holder = new TorControl[1];
        Bootstrap bootstrap = new Bootstrap()
                .group(context.eventLoopGroup())
                .channel(context.socketChannelType())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        TorControl control = new TorControl(ch, endpoint, timeout);
                        holder[0] = control;
                        ch.pipeline().addLast("tor-control-lines", new LineBasedFrameDecoder(MAX_LINE));
                        ch.pipeline().addLast("tor-control", control.new ReplyReader());
                    }
                });
        ChannelFuture connect;
        try {
            connect = bootstrap.connect(endpoint.socketAddress());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new IOException("cannot reach tor's control port at " + endpoint
                    + ": " + e.getMessage(), e));
        }
        return ChannelFutures.connected(connect, error -> new IOException("cannot reach tor's control port at "
                + endpoint + ": " + why(error, timeout) + "; is tor running with ControlPort " + endpoint.port()
                + "?", error)).thenApply(ch -> holder[0]);
    }

    private static String why(Throwable error, Duration timeout) {
        if (error instanceof ConnectTimeoutException) {
            return "timed out after " + timeout.toMillis() + " ms";
        }
        if (error instanceof ConnectException) {
            return "connection refused";
        }
        return String.valueOf(error.getMessage());
    }

    TorEndpoint endpoint() {
        return endpoint;
    }

    /** Whether the connection is still open (tor keeps our non-detached onion services only while it is). */
    boolean isOpen() {
        return channel.isActive();
    }

    /** Completes when the connection closes, for whatever reason. */
    CompletableFuture<Void> closeFuture() {
        return ChannelFutures.toCompletable(channel.closeFuture());
    }

    /**
     * Sends one command line (no CR or LF inside) and completes with tor's reply, whatever its status; fails when
     * tor does not answer within the timeout or the connection ends first.
     */
    CompletableFuture<Reply> send(String command) {
        if (command.indexOf('\r') >= 0 || command.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a control command is one line");
        }
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        String shown = shown(command);
        channel.eventLoop().execute(() -> {
            if (!channel.isActive()) {
                reply.completeExceptionally(new IOException("tor's control port at " + endpoint
                        + " closed the connection before " + shown));
                return;
            }
            ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> {
                // The replies cannot be matched to commands any more: give up on this connection.
                reply.completeExceptionally(new IOException("tor's control port at " + endpoint + " did not answer "
                        + shown + " within " + timeout.toMillis() + " ms"));
                channel.close();
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            pending.add(new Pending(shown, reply, deadline));
            channel.writeAndFlush(Unpooled.copiedBuffer(command + "\r\n", StandardCharsets.UTF_8));
        });
        return reply;
    }

    /** Like {@link #send}, failing with tor's words unless the status is 2xx. */
    CompletableFuture<Reply> expectOk(String command) {
        return send(command).thenApply(reply -> {
            if (!reply.ok()) {
                throw new java.util.concurrent.CompletionException(new IOException("tor refused " + shown(command)
                        + ": " + reply));
            }
            return reply;
        });
    }

    CompletableFuture<Void> close() {
        return ChannelFutures.toCompletable(channel.close());
    }

    /** The command's keyword, or more when it carries no secret: never an AUTHENTICATE argument in an error. */
    private static String shown(String command) {
        int space = command.indexOf(' ');
        String keyword = space < 0 ? command : command.substring(0, space);
        return switch (keyword) {
            case "AUTHENTICATE", "AUTHCHALLENGE", "ADD_ONION" -> keyword;
            default -> command;
        };
    }

    /** Reads lines into replies and completes the oldest pending command with each. */
    private final class ReplyReader extends SimpleChannelInboundHandler<ByteBuf> {
        private final List<String> lines = new ArrayList<>();
        private StringBuilder data;
        private boolean asynchronous;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws IOException {
            String line = frame.toString(StandardCharsets.UTF_8);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (data != null) {
                if (line.equals(".")) {
                    lines.add(data.toString());
                    data = null;
                } else {
                    // Dot-stuffing: a data line that starts with a dot got another one in front.
                    data.append(data.isEmpty() ? "" : "\n").append(line.startsWith("..") ? line.substring(1) : line);
                }
                return;
            }
            if (line.length() < 4 || !Character.isDigit(line.charAt(0)) || "-+ ".indexOf(line.charAt(3)) < 0) {
                throw new IOException("sent a line that is not a reply: '" + line + "'");
            }
            if (lines.isEmpty() && data == null) {
                asynchronous = line.charAt(0) == '6';
            }
            char separator = line.charAt(3);
            String text = line.substring(4);
            if (separator == '+') {
                data = new StringBuilder(text);
                return;
            }
            lines.add(text);
            if (separator == ' ') {
                Reply reply = new Reply(Integer.parseInt(line.substring(0, 3)), List.copyOf(lines));
                lines.clear();
                if (!asynchronous) {
                    Pending p = pending.poll();
                    if (p != null) {
                        p.deadline().cancel(false);
                        p.reply().complete(reply);
                    }
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            failAll("closed the connection");
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String why = cause instanceof TooLongFrameException ? "sent a line longer than " + MAX_LINE + " bytes"
                    : String.valueOf(cause.getMessage());
            failAll(why);
            ctx.close();
        }

        private void failAll(String why) {
            for (Pending p; (p = pending.poll()) != null; ) {
                p.deadline().cancel(false);
                p.reply().completeExceptionally(new IOException("tor's control port at " + endpoint + " " + why
                        + " before answering " + p.command()));
            }
        }
    }
}
