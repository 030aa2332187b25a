package org.multiserver.tck;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The event loop group a verification class owns and hands to every plugin instance. It can note the client
 * channels registered while a window is open: a cancelled connect never hands its channel to the caller, yet the
 * rule must see that channel closed. Bootstrap registers a channel on the thread that calls {@code connect}, so the
 * window around the call catches it.
 */
final class TrackingEventLoopGroup extends MultiThreadIoEventLoopGroup {
    private final List<Channel> tracked = new ArrayList<>();
    private boolean tracking;

    TrackingEventLoopGroup(int threads, String name, IoHandlerFactory handlers) {
        super(threads, new DefaultThreadFactory(name, true), handlers);
    }

    synchronized void startTracking() {
        tracked.clear();
        tracking = true;
    }

    /** Ends the window; returns the client channels (no parent, not a server) registered during it. */
    synchronized List<Channel> stopTracking() {
        tracking = false;
        List<Channel> clients = new ArrayList<>();
        for (Channel ch : tracked) {
            if (ch.parent() == null && !(ch instanceof ServerChannel)) {
                clients.add(ch);
            }
        }
        tracked.clear();
        return clients;
    }

    private synchronized void note(Channel channel) {
        if (tracking) {
            tracked.add(channel);
        }
    }

    @Override
    public ChannelFuture register(Channel channel) {
        note(channel);
        return super.register(channel);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
        note(promise.channel());
        return super.register(promise);
    }

    @Deprecated
    @Override
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
        note(channel);
        return super.register(channel, promise);
    }
}
