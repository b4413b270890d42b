/**
 * README's examples as a named module: compiling them on the module path checks that chainmux-core's
 * module descriptor exports the API and requires what the API exposes (Netty's buffers and channels).
 */
module io.chainmux.examples {
    requires io.chainmux.core;

    exports io.chainmux.examples;
}
