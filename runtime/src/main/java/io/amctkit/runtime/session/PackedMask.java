package io.amctkit.runtime.session;

import java.util.Arrays;

/**
 * A layer's 2:4 mask as AMCT's record file stores it (see {@link SelectiveMaskPacking}) and the weight shape it covers:
 * its words either in memory or, past the session's memory budget, where they are stored anyway — the record file the
 * session streamed, else its {@link MaskSpool} — read back when asked for, so that a session over an LLM holds none of
 * them.
 */
public final class PackedMask {

    /** No mask (a layer without 2:4 pruning). */
    public static final PackedMask NONE = new PackedMask(new long[0], new long[0], null, 0);

    /** Where words not held in memory are read back from. */
    interface Stored {
        /** The words; an UncheckedIOException saying why they cannot be read. */
        long[] read();

        /** Whether they are read from the session's streamed record file (else from its spool). */
        boolean inRecord();
    }

    private final long[] shape;
    private final long[] words;
    private final Stored stored;
    private final int count;

    private PackedMask(long[] shape, long[] words, Stored stored, int count) {
        this.shape = shape.clone();
        this.words = words;
        this.stored = stored;
        this.count = count;
    }

    /** Words kept in memory (copied). */
    public static PackedMask of(long[] words, long[] shape) {
        return of(java.nio.LongBuffer.wrap(words), shape);
    }

    /** The remaining words of {@code words} kept in memory (copied). */
    static PackedMask of(java.nio.LongBuffer words, long[] shape) {
        long[] copy = new long[words.remaining()];
        words.duplicate().get(copy);
        return new PackedMask(shape, copy, null, copy.length);
    }

    /** {@code count} words read back from {@code stored} when asked for. */
    static PackedMask stored(Stored stored, int count, long[] shape) {
        return new PackedMask(shape, null, stored, count);
    }

    /** The weight's shape (empty for {@link #NONE}). */
    public long[] shape() {
        return shape.clone();
    }

    /** How many 64-bit words. */
    public int wordCount() {
        return count;
    }

    /**
     * The words (a fresh array; read back from the spool or the record file when kept there: a record file moved or
     * changed since the session wrote it is an UncheckedIOException saying so).
     */
    public long[] words() {
        return stored == null ? words.clone() : stored.read();
    }

    /** Whether the words are in the session's spool file rather than in memory. */
    public boolean spooled() {
        return stored != null && !stored.inRecord();
    }

    /** Whether the words are read back from the record file the session streamed rather than held in memory. */
    public boolean recorded() {
        return stored != null && stored.inRecord();
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
        return "PackedMask" + Arrays.toString(shape) + " (" + count + " words"
                + (spooled() ? ", spooled" : recorded() ? ", in the record file" : "") + ")";
    }
}
