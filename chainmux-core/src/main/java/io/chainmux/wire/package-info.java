/**
 * The wire format: frame layouts, codes and limits, and the encoder and decoder for them.
 * Stateless and thread-agnostic; everything here is specified in {@code docs/PROTOCOL.md}.
 */
package io.chainmux.wire;
