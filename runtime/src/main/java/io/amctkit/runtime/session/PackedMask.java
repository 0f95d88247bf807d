package io.amctkit.runtime.session;

import java.util.Arrays;

/**
 * A layer's 2:4 mask as AMCT's record file stores it (see {@link SelectiveMaskPacking}) and the weight shape it covers:
 * its words either in memory or in its session's {@link MaskSpool}, read back when asked for, so that a session over an
 * LLM holds none of them.
 */
public final class PackedMask {

    /** No mask (a layer without 2:4 pruning). */
    public static final PackedMask NONE = new PackedMask(new long[0], new long[0], null, 0, 0);

    private final long[] shape;
    private final long[] words;
    private final MaskSpool spool;
    private final long at;
    private final int count;

    private PackedMask(long[] shape, long[] words, MaskSpool spool, long at, int count) {
        this.shape = shape.clone();
        this.words = words;
        this.spool = spool;
        this.at = at;
        this.count = count;
    }

    /** Words kept in memory (copied). */
    public static PackedMask of(long[] words, long[] shape) {
        return new PackedMask(shape, words.clone(), null, 0, words.length);
    }

    /** Words stored at word {@code at} of {@code spool}. */
    static PackedMask spooled(MaskSpool spool, long at, int count, long[] shape) {
        return new PackedMask(shape, null, spool, at, count);
    }

    /** The weight's shape (empty for {@link #NONE}). */
    public long[] shape() {
        return shape.clone();
    }

    /** How many 64-bit words. */
    public int wordCount() {
        return count;
    }

    /** The words (a fresh array; read from the spool file when spooled). */
    public long[] words() {
        return spool == null ? words.clone() : spool.read(at, count);
    }

    /** Whether the words are in the spool file rather than in memory. */
    public boolean spooled() {
        return spool != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PackedMask m && Arrays.equals(shape, m.shape) && Arrays.equals(words(), m.words());
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + count;
    }

    @Override
    public String toString() {
        return "PackedMask" + Arrays.toString(shape) + " (" + count + " words" + (spooled() ? ", spooled" : "") + ")";
    }
}
