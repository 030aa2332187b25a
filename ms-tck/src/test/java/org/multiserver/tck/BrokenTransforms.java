package org.multiserver.tck;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.multiserver.address.Section;
import org.multiserver.spi.EndOfOutput;
import org.multiserver.spi.Layer;
import org.multiserver.spi.Pipelines;
import org.multiserver.spi.PluginContext;
import org.multiserver.spi.Scope;
import org.multiserver.spi.Transform;
import org.multiserver.spi.TransformProvider;
import org.multiserver.tck.reference.IdentityTransformProvider;

/**
 * The identity transform with one deliberate fault each, for the kit's self-tests (the handshake faults live in
 * {@link ToyTransformProvider.Flaw}, since identity has no handshake to get wrong).
 */
final class BrokenTransforms {
    private static final Section PRINTED = Section.of("identity", "v1");

    private BrokenTransforms() {
    }

    /** Prints {@code identity:v1} and reports it as the peer's section, but parses it back to {@code identity}. */
    static TransformProvider sloppyPrint() {
        return provider(inner -> new Forwarding(inner) {
            @Override
            public Optional<Section> stringify(Scope scope) {
                return Optional.of(PRINTED);
            }

            @Override
            public Optional<Target> parse(Section section) {
                if (section.name().equals(name()) && section.data().equals(List.of("v1"))) {
                    return super.parse(Section.of(name()));
                }
                return super.parse(section);
            }

            @Override
            CompletableFuture<Layer> wrapped(CompletableFuture<Layer> layer) {
                return layer.thenApply(l -> Layer.anonymous(PRINTED));
            }
        });
    }

    /** Swallows {@code EndOfOutput}: the peer never learns our output ended. */
    static TransformProvider swallowsEndOfOutput() {
        return provider(inner -> new Forwarding(inner) {
            @Override
            void prepare(Channel channel) {
                Pipelines.addLast(channel.pipeline(), "identity-swallow", new ChannelOutboundHandlerAdapter() {
                    @Override
                    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                        if (msg == EndOfOutput.INSTANCE) {
                            promise.setSuccess();
                        } else {
                            ctx.write(msg, promise);
                        }
                    }
                });
            }
        });
    }

    /**
     * Passes {@code EndOfOutput} on one event loop task late, as a transform that finishes its output asynchronously
     * would: a write issued right behind the end overtakes it and reaches the peer as data.
     */
    static TransformProvider endsLate() {
        return provider(inner -> new Forwarding(inner) {
            @Override
            void prepare(Channel channel) {
                Pipelines.addLast(channel.pipeline(), "identity-late-end", new ChannelOutboundHandlerAdapter() {
                    @Override
                    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                        if (msg == EndOfOutput.INSTANCE) {
                            ctx.executor().execute(() -> ctx.writeAndFlush(msg, promise));
                        } else {
                            ctx.write(msg, promise);
                        }
                    }
                });
            }
        });
    }

    private static TransformProvider provider(UnaryOperator<Transform> fault) {
        return new TransformProvider() {
            @Override
            public String name() {
                return "identity";
            }

            @Override
            public Transform create(PluginContext context) {
                return fault.apply(new IdentityTransformProvider().create(context));
            }
        };
    }

    /** Forwards everything; subclasses override the one behaviour they break. */
    private static class Forwarding implements Transform {
        private final Transform inner;

        Forwarding(Transform inner) {
            this.inner = inner;
        }

        void prepare(Channel channel) {
        }

        CompletableFuture<Layer> wrapped(CompletableFuture<Layer> layer) {
            return layer;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public Optional<Target> parse(Section section) {
            return inner.parse(section).map(target -> new Target() {
                @Override
                public Section section() {
                    return target.section();
                }

                @Override
                public CompletableFuture<Layer> wrapClient(Channel channel) {
                    prepare(channel);
                    return wrapped(target.wrapClient(channel));
                }
            });
        }

        @Override
        public CompletableFuture<Layer> wrapServer(Channel channel) {
            prepare(channel);
            return wrapped(inner.wrapServer(channel));
        }

        @Override
        public Optional<Section> stringify(Scope scope) {
            return inner.stringify(scope);
        }
    }
}
