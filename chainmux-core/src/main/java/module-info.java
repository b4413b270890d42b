/**
 * chainmux-core as a named module. It exports every layer's package (their API: the classes not marked
 * {@link io.chainmux.config.Internal}); the plumbing between the layers is package-private or marked
 * internal (docs/ARCHITECTURE.md, "Public API"). Native epoll is optional: only its Java classes are required.
 */
module io.chainmux.core {
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;
    requires transitive io.netty.transport;
    requires io.netty.codec;
    requires transitive io.netty.handler;
    requires io.netty.transport.classes.epoll;
    requires org.slf4j;

    exports io.chainmux.config;
    exports io.chainmux.wire;
    exports io.chainmux.mux;
    exports io.chainmux.endpoint;
    exports io.chainmux.endpoint.identity;
    exports io.chainmux.broker;
    exports io.chainmux.p2p;
}
