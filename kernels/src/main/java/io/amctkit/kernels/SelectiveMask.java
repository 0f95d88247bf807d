package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * 2:4 structured sparsity mask by L1 selection (AMCT {@code selective_mask_gen(w, axis, 4, 2)}): along the Cin axis
 * (Conv2d and Linear: axis 1; ConvTranspose2d: axis 0) each run of 4 consecutive |w| keeps its 2 largest. A short
 * last group is padded with zeros, which compete (so fewer real weights are pruned); an axis of length ≤ 2 keeps
 * everything. Ties follow torch's CPU topk ({@link NthElement}). The mask is 1 to keep, 0 to prune.
 */
public final class SelectiveMask {

    private SelectiveMask() {
    }

    /** |w| at channel {@code ch} of a line, 0 for the padding past the axis end; NaN is rejected with its index. */
    private static float abs(FloatBuffer in, int base, int ch, int c, int inner) {
        if (ch >= c) {
            return 0f;
        }
        float v = in.get(base + ch * inner);
        if (v != v) {
            throw new KernelException("2:4 mask: the weight has NaN at flat index " + (base + ch * inner));
        }
        return Math.abs(v);
    }

    /** The Cin axis AMCT prunes along for a module type. */
    public static int cinAxis(String moduleType) {
        return moduleType.startsWith("ConvTranspose") ? 0 : 1;
    }

    /** Whether a forward with counter {@code forwardCount} (0-based) recomputes the mask (AMCT's update_freq rule). */
    public static boolean refreshes(long updateFreq, long forwardCount) {
        return updateFreq == 0 ? forwardCount == 0 : forwardCount % updateFreq == 0;
    }

    /**
     * A 2:4 mask packed as AMCT's record file stores it ({@code numpy.packbits} of the 0/1 mask in C order, 8 bytes per
     * little-endian {@code long}), how many weights it keeps of how many, and whether every group of 4 along the axis keeps
     * at most 2. Immutable: {@link #words} is a copy, {@link #wordBuffer} a read-only view (an LLM layer's words are
     * megabytes, passed on without copying).
     */
    public static final class Packed {

        private final long[] words;
        private final long kept;
        private final long elements;
        private final boolean compliant;

        /** Takes {@code words} as they are: only arrays nobody else holds (made by {@link SelectiveMask}). */
        private Packed(long[] words, long kept, long elements, boolean compliant) {
            this.words = words;
            this.kept = kept;
            this.elements = elements;
            this.compliant = compliant;
        }

        /** The packed words (a fresh array). */
        public long[] words() {
            return words.clone();
        }

        /** The packed words as a read-only buffer over this mask's own (no copy). */
        public java.nio.LongBuffer wordBuffer() {
            return java.nio.LongBuffer.wrap(words).asReadOnlyBuffer();
        }

        /** How many weights the mask keeps. */
        public long kept() {
            return kept;
        }

        /** How many weights it covers. */
        public long elements() {
            return elements;
        }

        /** Whether every group of 4 along the axis keeps at most 2. */
        public boolean compliant() {
            return compliant;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Packed p && kept == p.kept && elements == p.elements && compliant == p.compliant
                    && java.util.Arrays.equals(words, p.words);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(java.util.Arrays.hashCode(words), kept, elements, compliant);
        }

        @Override
        public String toString() {
            return "Packed[" + words.length + " words, kept=" + kept + " of " + elements + ", compliant=" + compliant + "]";
        }
    }

    /** Floats per piece of a packed mask: a multiple of 64 (whole words) and of 4 (whole groups). */
    private static final int PIECE = 4096;

    /**
     * {@link #mask}, packed, without a float mask of the weight's size: in the common layout (Linear, 1x1 Conv: groups of
     * 4 contiguous floats) the mask's bits are made from the weight directly, 64 at a time; other layouts pack the float
     * mask.
     */
    public static Packed packed(INDArray weight, int axis, Parallel parallel) {
        requireAxis(weight, axis);
        long[] shape = weight.shape();
        int c = (int) shape[axis];
        int inner = inner(shape, axis);
        int n = (int) weight.length();
        if (c > 2 && inner == 1 && c % 4 == 0) {
            StoredElements w = StoredElements.of(weight);   // a BF16 weight as stored
            Lanes lanes = Lanes.best();
            long[] words = new long[(n + 63) / 64];
            java.util.concurrent.atomic.AtomicBoolean overTwo = new java.util.concurrent.atomic.AtomicBoolean();
            long kept = inPieces(n, parallel, () -> (from, len) -> {
                long k = w.twoOfFourPacked(lanes, from, len, words);
                if (!groupsOfFourKeepTwo(words, from / 64, (from + len + 63) / 64)) {   // its own words, still in cache
                    overTwo.set(true);
                }
                return k;
            });
            return new Packed(words, kept, n, !overTwo.get());
        }
        INDArray w = Tensors.asFloat32(weight);
        INDArray m = mask(w, axis, parallel);
        try {
            return pack(m, axis, parallel);
        } finally {
            m.close();
        }
    }

    /** A 0/1 float32 mask (as {@link #mask} gives, along {@code axis}) packed as {@link #packed} packs it. */
    public static Packed pack(INDArray mask, int axis, Parallel parallel) {
        requireAxis(mask, axis);
        int n = (int) mask.length();
        long[] words = new long[(n + 63) / 64];
        java.nio.ByteBuffer mb = Tensors.bytes(Tensors.asFloat32(mask));
        long kept = inPieces(n, parallel, () -> (from, len) -> MaskBits.pack(mb, from, len, words, from / 64));
        return new Packed(words, kept, n, compliant(words, mask.shape(), axis, n));
    }

    /** Packs one piece {@code [from, from + len)} of a mask into its words; returns how many it keeps. */
    private interface PiecePacker {
        long pack(int from, int len);
    }

    /** A packer on every {@link #PIECE} of {@code n} elements, spread over threads (a packer each); the total kept. */
    private static long inPieces(int n, Parallel parallel, java.util.function.Supplier<PiecePacker> packers) {
        int pieces = (n + PIECE - 1) / PIECE;
        long[] kept = new long[pieces];
        parallel.forRows(pieces, PIECE, (first, last) -> {
            PiecePacker packer = packers.get();
            for (int p = first; p < last; p++) {
                kept[p] = packer.pack(p * PIECE, Math.min(PIECE, n - p * PIECE));
            }
        });
        long total = 0;
        for (long k : kept) {
            total += k;
        }
        return total;
    }

    /** The error for a NaN in the group of 4 from flat index {@code first}. */
    static KernelException nanIn(long first) {
        return new KernelException("2:4 mask: the weight has NaN in flat indices " + first + ".." + (first + 3));
    }

    /**
     * Whether every 4 consecutive bits of words {@code [from, to)} (a nibble of each packed byte: groups never straddle
     * one) keep at most 2.
     */
    private static boolean groupsOfFourKeepTwo(long[] words, int from, int to) {
        for (int i = from; i < to; i++) {
            long x = words[i];
            long pairs = x - ((x >>> 1) & 0x5555555555555555L);
            long nibbles = (pairs & 0x3333333333333333L) + ((pairs >>> 2) & 0x3333333333333333L);
            // a nibble's count is at most 4, so adding 5 overflows into its bit 3 exactly when the count is 3 or 4
            if (((nibbles + 0x5555555555555555L) & 0x8888888888888888L) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Along {@code axis} of {@code shape} ({@code n} elements), every group of 4 (a short last group included) keeps at most 2 set bits. */
    private static boolean compliant(long[] words, long[] shape, int axis, int n) {
        int c = (int) shape[axis];
        if (c <= 2) {
            return true;
        }
        int inner = inner(shape, axis);
        int outer = (int) (n / ((long) c * inner));
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < inner; k++) {
                int base = o * c * inner + k;
                for (int g = 0; g < c; g += 4) {
                    int keptInGroup = 0;
                    for (int j = g; j < Math.min(c, g + 4); j++) {
                        int e = base + j * inner;
                        keptInGroup += (int) (words[e >>> 6] >>> MaskBits.bitInWord(e)) & 1;
                    }
                    if (keptInGroup > 2) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Elements between two neighbours along {@code axis}: the product of the dimensions after it. */
    private static int inner(long[] shape, int axis) {
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= (int) shape[d];
        }
        return inner;
    }

    private static void requireAxis(INDArray weight, int axis) {
        if (axis < 0 || axis >= weight.rank()) {
            throw new KernelException("2:4 pruning axis " + axis + " does not exist in a weight of rank " + weight.rank()
                    + " (shape " + java.util.Arrays.toString(weight.shape()) + ")");
        }
    }

    public static INDArray mask(INDArray weight, int axis, Parallel parallel) {
        return maskInto(weight, axis, Tensors.newFloat32(weight.shape()), parallel);
    }

    /** The mask written into {@code out} (a contiguous float32 array of the weight's size). */
    public static INDArray maskInto(INDArray weight, int axis, INDArray out, Parallel parallel) {
        requireAxis(weight, axis);
        INDArray w = Tensors.asFloat32(weight);
        FloatBuffer in = Tensors.floats(w);
        FloatBuffer m = Tensors.floats(Tensors.requireOutput(out, w, "the 2:4 mask"));
        long[] shape = w.shape();
        int c = (int) shape[axis];
        int inner = inner(shape, axis);
        int outer = (int) (w.length() / ((long) c * inner));
        if (c <= 2) {
            parallel.forRange(in.limit(), (from, to) -> {
                for (int i = from; i < to; i++) {
                    m.put(i, 1f);
                }
            });
            return out;
        }
        int groups = (c + 3) / 4;
        int lines = outer * inner;
        int innerF = inner;
        if (inner == 1 && c % 4 == 0) {
            // the common layout (Linear [out, in], Conv2d 1x1 along Cin): each group is 4 contiguous floats
            java.nio.ByteBuffer wb = Tensors.bytes(w);
            java.nio.ByteBuffer mb = Tensors.bytes(out);
            Lanes lanes = Lanes.best();
            parallel.forRows(outer, c, (from, to) -> lanes.twoOfFour(wb, mb, from * c, (to - from) * c));
            return out;
        }
        parallel.forRows(lines, c, (from, to) -> {
            for (int line = from; line < to; line++) {
                int o = line / innerF;
                int k = line % innerF;
                int base = o * c * innerF + k;
                for (int g = 0; g < groups; g++) {
                    int c0 = g * 4;
                    float a0 = abs(in, base, c0, c, innerF);
                    float a1 = abs(in, base, c0 + 1, c, innerF);
                    float a2 = abs(in, base, c0 + 2, c, innerF);
                    float a3 = abs(in, base, c0 + 3, c, innerF);
                    int keep;   // bit j set: position j kept
                    if (a0 != a1 && a0 != a2 && a0 != a3 && a1 != a2 && a1 != a3 && a2 != a3) {
                        // no ties: a value is pruned when at most one other value is smaller
                        int r0 = (a1 < a0 ? 1 : 0) + (a2 < a0 ? 1 : 0) + (a3 < a0 ? 1 : 0);
                        int r1 = (a0 < a1 ? 1 : 0) + (a2 < a1 ? 1 : 0) + (a3 < a1 ? 1 : 0);
                        int r2 = (a0 < a2 ? 1 : 0) + (a1 < a2 ? 1 : 0) + (a3 < a2 ? 1 : 0);
                        int r3 = (a0 < a3 ? 1 : 0) + (a1 < a3 ? 1 : 0) + (a2 < a3 ? 1 : 0);
                        keep = (r0 >= 2 ? 1 : 0) | (r1 >= 2 ? 2 : 0) | (r2 >= 2 ? 4 : 0) | (r3 >= 2 ? 8 : 0);
                    } else {
                        int[] pruned = NthElement.smallestTwoOfFour(a0, a1, a2, a3);
                        keep = 15 & ~(1 << pruned[0]) & ~(1 << pruned[1]);
                    }
                    for (int j = 0; j < 4 && c0 + j < c; j++) {
                        m.put(base + (c0 + j) * innerF, (keep >> j & 1) == 1 ? 1f : 0f);
                    }
                }
            }
        });
        return out;
    }
}
