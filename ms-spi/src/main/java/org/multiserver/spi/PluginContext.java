package org.multiserver.spi;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.multiserver.address.Section;

/**
 * Everything the platform gives a plugin to create an instance: the shared event loop group, its kind and its TCP
 * channel types,
 * the scopes to serve, timeouts, typed options, and the listen spec section when the stack came from one
 * ({@code net:0.0.0.0:8008} for the transport of {@code net:0.0.0.0:8008~shs}). New needs become new accessors here,
 * never new abstract methods on the plugin interfaces.
 */
public final class PluginContext {
    /** Default for {@link #connectTimeout()}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Default for {@link #handshakeTimeout()}. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The I/O the event loop group does, so a plugin that needs other channels than TCP's (unix domain sockets,
     * UDP) can pick the ones that match it: {@code EpollDomainSocketChannel} on {@link #EPOLL} loops,
     * {@code NioDomainSocketChannel} on {@link #NIO} ones. A channel of the other kind does not register.
     */
    public enum LoopKind {
        /** The JDK's selectors ({@code NioIoHandler}), on every platform. */
        NIO,
        /** Linux's epoll ({@code EpollIoHandler}, netty-transport-native-epoll). */
        EPOLL
    }

    private final EventLoopGroup eventLoopGroup;
    private final LoopKind loopKind;
    private final Class<? extends SocketChannel> socketChannelType;
    private final Class<? extends ServerSocketChannel> serverSocketChannelType;
    private final Set<Scope> scopes;
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private final Map<String, Object> options;
    private final Section listenSpec;
    private final Identity identity;

    private PluginContext(Builder b) {
        this.eventLoopGroup = Objects.requireNonNull(b.eventLoopGroup, "eventLoopGroup");
        this.loopKind = Objects.requireNonNull(b.loopKind, "loopKind");
        this.socketChannelType = Objects.requireNonNull(b.socketChannelType, "socketChannelType");
        this.serverSocketChannelType = Objects.requireNonNull(b.serverSocketChannelType, "serverSocketChannelType");
        this.scopes = b.scopes == null ? null : Set.copyOf(b.scopes);
        this.connectTimeout = b.connectTimeout;
        this.handshakeTimeout = b.handshakeTimeout;
        this.options = Map.copyOf(b.options);
        this.listenSpec = b.listenSpec;
        this.identity = b.identity != null ? b.identity : Identity.generate();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding everything this context holds, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.eventLoopGroup = eventLoopGroup;
        b.loopKind = loopKind;
        b.socketChannelType = socketChannelType;
        b.serverSocketChannelType = serverSocketChannelType;
        b.scopes = scopes;
        b.connectTimeout = connectTimeout;
        b.handshakeTimeout = handshakeTimeout;
        b.options.putAll(options);
        b.listenSpec = listenSpec;
        b.identity = identity;
        return b;
    }

    /** The one event loop group every stack shares; owned and closed by the platform, never by a plugin. */
    public EventLoopGroup eventLoopGroup() {
        return eventLoopGroup;
    }

    /** What kind of event loops {@link #eventLoopGroup()} has, to pick channel types other than TCP's. */
    public LoopKind loopKind() {
        return loopKind;
    }

    /** The TCP client channel type that matches {@link #eventLoopGroup()} (epoll or NIO). */
    public Class<? extends SocketChannel> socketChannelType() {
        return socketChannelType;
    }

    /** The TCP server channel type that matches {@link #eventLoopGroup()}. */
    public Class<? extends ServerSocketChannel> serverSocketChannelType() {
        return serverSocketChannelType;
    }

    /** The scopes the user asked this stack to serve; empty means the plugin decides from its bind address. */
    public Optional<Set<Scope>> scopes() {
        return Optional.ofNullable(scopes);
    }

    /** How long a client connect may take before it fails. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How long a transform's handshake may take, from its start to its end, before the peer is dropped. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** The value of {@code option}, or its default. */
    public <T> T option(Option<T> option) {
        Object value = options.get(option.name());
        return value == null ? option.defaultValue() : option.cast(value);
    }

    /** Whether {@code option} was given a value. */
    public boolean has(Option<?> option) {
        return options.containsKey(option.name());
    }

    /**
     * Our long-term identity. The platform gives every plugin of one {@code MultiServer} the same one; a context
     * built without one has a fresh identity of its own.
     */
    public Identity identity() {
        return identity;
    }

    /** The section of the listen spec this plugin instance was created for, if it came from one. */
    public Optional<Section> listenSpec() {
        return Optional.ofNullable(listenSpec);
    }

    public static final class Builder {
        private EventLoopGroup eventLoopGroup;
        private LoopKind loopKind;
        private Class<? extends SocketChannel> socketChannelType;
        private Class<? extends ServerSocketChannel> serverSocketChannelType;
        private Set<Scope> scopes;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private final Map<String, Object> options = new HashMap<>();
        private Section listenSpec;
        private Identity identity;

        private Builder() {
        }

        /** The group, its kind and its TCP channel types. */
        public Builder eventLoopGroup(EventLoopGroup group, LoopKind kind,
                                      Class<? extends SocketChannel> socketChannelType,
                                      Class<? extends ServerSocketChannel> serverSocketChannelType) {
            this.eventLoopGroup = group;
            this.loopKind = Objects.requireNonNull(kind, "kind");
            this.socketChannelType = socketChannelType;
            this.serverSocketChannelType = serverSocketChannelType;
            return this;
        }

        /** The group and its TCP channel types; the kind is the channel types': NIO's or epoll's. */
        public Builder eventLoopGroup(EventLoopGroup group, Class<? extends SocketChannel> socketChannelType,
                                      Class<? extends ServerSocketChannel> serverSocketChannelType) {
            return eventLoopGroup(group, kindOf(socketChannelType), socketChannelType, serverSocketChannelType);
        }

        private static LoopKind kindOf(Class<? extends SocketChannel> socketChannelType) {
            Objects.requireNonNull(socketChannelType, "socketChannelType");
            if (io.netty.channel.socket.nio.NioSocketChannel.class.isAssignableFrom(socketChannelType)) {
                return LoopKind.NIO;
            }
            // By name: the epoll classes are in netty-transport-classes-epoll, which the SPI does not depend on.
            if (socketChannelType.getName().startsWith("io.netty.channel.epoll.")) {
                return LoopKind.EPOLL;
            }
            throw new IllegalArgumentException("cannot tell the loop kind of " + socketChannelType.getName()
                    + " (NIO or epoll): give it with eventLoopGroup(group, kind, ...)");
        }

        public Builder scopes(Set<Scope> scopes) {
            this.scopes = scopes;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connect timeout");
            return this;
        }

        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive(timeout, "handshake timeout");
            return this;
        }

        /** Sets an option; a String value for a non-String option is parsed by the option. */
        public <T> Builder option(Option<T> option, Object value) {
            options.put(option.name(), option.cast(Objects.requireNonNull(value, "value")));
            return this;
        }

        /** Sets options by name, as text, for options the caller knows only by name (a command line). */
        public Builder rawOption(String name, Object value) {
            options.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder listenSpec(Section spec) {
            this.listenSpec = spec;
            return this;
        }

        public Builder identity(Identity identity) {
            this.identity = Objects.requireNonNull(identity, "identity");
            return this;
        }

        public PluginContext build() {
            return new PluginContext(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
