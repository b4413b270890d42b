package io.chainmux.chaindb;

import java.util.List;
import java.util.Objects;

/** The messages of the chain-database sync protocol (docs/CHAINDB-SYNC.md section 2). */
public sealed interface SyncMessage {

    /** Requester: what is your height? */
    record GetHeight() implements SyncMessage {}

    /** Responder: my tip is at {@code height} with hash {@code tipHash} (32 bytes). */
    record Height(long height, byte[] tipHash) implements SyncMessage {
        public Height {
            if (height < 0) {
                throw new IllegalArgumentException("height must be >= 0, was " + height);
            }
            if (tipHash == null || tipHash.length != Block.HASH_SIZE) {
                throw new IllegalArgumentException("tip hash must have 32 bytes");
            }
            tipHash = tipHash.clone();
        }

        @Override
        public byte[] tipHash() {
            return tipHash.clone();
        }
    }

    /**
     * Requester: answer HEIGHT once your height is above {@code above} (at once if it already is). The
     * long poll that keeps an up-to-date session open at no cost: nothing is sent until there is news.
     */
    record WaitHeight(long above) implements SyncMessage {
        public WaitHeight {
            if (above < 0) {
                throw new IllegalArgumentException("above must be >= 0, was " + above);
            }
        }
    }

    /**
     * Requester: send me blocks {@code from, from + 1, ...}, at most {@code count}, in a BLOCKS message of
     * at most {@code maxBytes} bytes.
     */
    record GetBlocks(long from, int count, int maxBytes) implements SyncMessage {
        public GetBlocks {
            if (from < 1) {
                throw new IllegalArgumentException("from must be >= 1 (genesis is never sent), was " + from);
            }
            if (count < 1) {
                throw new IllegalArgumentException("count must be >= 1, was " + count);
            }
            if (maxBytes < 1) {
                throw new IllegalArgumentException("maxBytes must be >= 1, was " + maxBytes);
            }
        }
    }

    /** Responder: consecutive blocks, starting at the requested height; empty if it has none of them. */
    record Blocks(List<Block> blocks) implements SyncMessage {
        public Blocks {
            blocks = List.copyOf(blocks);
            for (int i = 1; i < blocks.size(); i++) {
                if (blocks.get(i).height() != blocks.get(i - 1).height() + 1) {
                    throw new IllegalArgumentException("blocks must have consecutive heights");
                }
            }
        }
    }

    /**
     * Responder: a request failed. {@code code} is the u16 on the wire (kept as received, so unknown codes
     * survive a round trip); {@code text} is for humans (at most 512 UTF-8 bytes are sent).
     */
    record Error(int code, String text) implements SyncMessage {
        public Error {
            if (code < 0 || code > 0xFFFF) {
                throw new IllegalArgumentException("error code must be a u16, was " + code);
            }
            Objects.requireNonNull(text, "text");
        }

        public Error(SyncErrorCode code, String text) {
            this(checkSendable(code), text);
        }

        public SyncErrorCode errorCode() {
            return SyncErrorCode.fromWire(code);
        }

        private static int checkSendable(SyncErrorCode code) {
            if (code == SyncErrorCode.UNKNOWN) {
                throw new IllegalArgumentException("UNKNOWN is a received-only code");
            }
            return code.code;
        }
    }
}
