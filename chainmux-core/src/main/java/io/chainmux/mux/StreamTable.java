package io.chainmux.mux;

import java.util.AbstractCollection;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A connection's registered streams by id: open addressing over the streams themselves, each keyed by
 * its own {@link MuxStream#id()} (linear probing, backward-shift deletion, at most 3/4 full). A slot is
 * one reference where a map from int to object keeps the key beside it: at 1000 networks a connection
 * holds hundreds of streams, ~8 bytes each here against ~16 in Netty's {@code IntObjectHashMap} at the
 * same load. A lookup reads the stream it finds, which its caller reads next anyway.
 *
 * <p>Event-loop confined; {@link #size} may be read elsewhere as a racy snapshot. The iterator does
 * not support changes while it runs: copy first to end streams on the way.
 */
final class StreamTable extends AbstractCollection<MuxStream> {
    private static final int INITIAL_LENGTH = 8;

    private MuxStream[] slots = new MuxStream[INITIAL_LENGTH];
    /** 32 - log2(slots.length): the home slot is the top bits of the id's Fibonacci hash (ids go up by 2). */
    private int shift = 32 - Integer.numberOfTrailingZeros(INITIAL_LENGTH);
    private int size;

    /** The stream with this id, or null. */
    MuxStream get(int id) {
        MuxStream[] t = slots;
        int mask = t.length - 1;
        for (int i = home(id); ; i = (i + 1) & mask) {
            MuxStream s = t[i];
            if (s == null || s.id() == id) {
                return s;
            }
        }
    }

    /** Registers {@code s} under its id (not 0); one already there under that id is replaced. */
    void put(MuxStream s) {
        int id = s.id();
        MuxStream[] t = slots;
        int mask = t.length - 1;
        int i = home(id);
        for (MuxStream o; (o = t[i]) != null; i = (i + 1) & mask) {
            if (o.id() == id) {
                t[i] = s;
                return;
            }
        }
        t[i] = s;
        if (++size * 4L > t.length * 3L) {
            resize(t.length * 2);
        }
    }

    /** Removes the stream with this id; returns it, or null if none is registered. */
    MuxStream remove(int id) {
        MuxStream[] t = slots;
        int mask = t.length - 1;
        for (int i = home(id); ; i = (i + 1) & mask) {
            MuxStream s = t[i];
            if (s == null) {
                return null;
            }
            if (s.id() == id) {
                delete(i);
                return s;
            }
        }
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Iterator<MuxStream> iterator() {
        MuxStream[] t = slots;
        return new Iterator<>() {
            private int next = advance(0);

            private int advance(int from) {
                while (from < t.length && t[from] == null) {
                    from++;
                }
                return from;
            }

            @Override
            public boolean hasNext() {
                return next < t.length;
            }

            @Override
            public MuxStream next() {
                if (next >= t.length) {
                    throw new NoSuchElementException();
                }
                MuxStream s = t[next];
                next = advance(next + 1);
                return s;
            }
        };
    }

    private int home(int id) {
        return (id * 0x9E3779B9) >>> shift;
    }

    /** Empties slot {@code i}, then moves back each following entry whose home slot allows it (no tombstones). */
    private void delete(int i) {
        MuxStream[] t = slots;
        int mask = t.length - 1;
        t[i] = null;
        size--;
        for (int j = (i + 1) & mask; t[j] != null; j = (j + 1) & mask) {
            // the entry at j may fill the hole at i unless its home lies cyclically in (i, j]
            if (((j - home(t[j].id())) & mask) >= ((j - i) & mask)) {
                t[i] = t[j];
                t[j] = null;
                i = j;
            }
        }
    }

    private void resize(int length) {
        MuxStream[] old = slots;
        MuxStream[] t = new MuxStream[length];
        shift = 32 - Integer.numberOfTrailingZeros(length);
        int mask = length - 1;
        for (MuxStream s : old) {
            if (s != null) {
                int i = home(s.id());
                while (t[i] != null) {
                    i = (i + 1) & mask;
                }
                t[i] = s;
            }
        }
        slots = t;
    }
}
