package io.amctkit.kernels;

import java.nio.ByteBuffer;

/**
 * The inner loops of the CPU kernels, reading and writing ND4J's direct buffers (native byte order, float indices):
 * one SIMD implementation on the JDK's Vector API, which loads and stores the buffers directly (used when the JVM runs
 * with {@code --add-modules jdk.incubator.vector}), and one scalar implementation that stages 1024-float blocks
 * through the heap. Both give bit-identical results: every reduction is order-independent or has its order fixed
 * here, lane by lane.
 */
interface Lanes {

    /** Floats per block where a loop stages through the heap or sums a block before adding it in double. */
    int BLOCK = 1024;

    /** The SIMD loops when the Vector API module is present, otherwise the scalar loops. */
    static Lanes best() {
        return LanesChoice.BEST;
    }

    /** The scalar loops, always available. */
    static Lanes scalar() {
        return ScalarLanes.INSTANCE;
    }

    /**
     * {max, min} of {@code len} floats from float index {@code from} of {@code src} into {@code maxMin}, as
     * {@code Math.max/min} order them (−0 below +0); both {@link Float#NaN} if any is NaN; {−∞, +∞} when empty.
     */
    void maxMin(ByteBuffer src, int from, int len, float[] maxMin);

    /**
     * Σ x² of {@code len} floats from float index {@code from} of {@code src}, in blocks of {@link #BLOCK} floats: in a
     * block, products summed in sixteen float lanes (element k into lane k mod 16, the tail past the last full sixteen in
     * double), the lanes then added pairwise in double; the block sums added in double.
     */
    double sumOfSquares(ByteBuffer src, int from, int len);

    /**
     * Fake-quantizes {@code len} floats from float index {@code from} of {@code src} into the same indices of
     * {@code dst} ({@link FakeQuant}'s arithmetic: x/s + o clamped to [qmin, qmax], rounded half to even, minus o,
     * times s). With {@code checkFinite}, returns the float index of the first NaN or ±Infinity in the input (the output
     * is then undefined), else −1; without, −1.
     */
    int fakeQuant(ByteBuffer src, ByteBuffer dst, int from, int len, float s, float o, float qmin, float qmax,
                  boolean checkFinite);

    /**
     * {@link #fakeQuant} of row {@code [from, from + len)} without the finiteness check, and in the same pass the
     * {@link #maxMin} of the row {@code [next, next + len)} into {@code nextMaxMin}: ARQ per channel streams through
     * memory once, quantizing one row while it reads the next.
     */
    void fakeQuantAndScan(ByteBuffer src, ByteBuffer dst, int from, int len, float s, float o, float qmin, float qmax,
                          int next, float[] nextMaxMin);

    /**
     * The error of symmetric fake quantization ({@link #fakeQuant} with offset 0) of {@code len} floats from float index
     * {@code from} of {@code src}, without writing the quantized values: with q the fake-quantized x and e = x − q (in
     * float), adds Σ x² to {@code acc[0]} and Σ e² to {@code acc[1]} (each term in float, summed in blocks of
     * {@link #BLOCK} as {@link #sumOfSquares} sums, the block sums added to {@code acc} in double), raises {@code acc[2]}
     * to the largest |e|, and adds to {@code acc[3]} how many q lie on an extreme level (q ≤ qmin·s or q ≥ qmax·s). The
     * input must be finite.
     */
    void quantError(ByteBuffer src, int from, int len, float s, float qmin, float qmax, double[] acc);

    /** {@link #maxMin} of {@code len} BF16 values (little-endian) from element {@code from}: their exact floats'. */
    void maxMinBf16(ByteBuffer src, int from, int len, float[] maxMin);

    /**
     * {@link #quantError} of {@code len} BF16 values (little-endian) from element {@code from}: the sums over their exact
     * floats, bit for bit, without widening them to memory.
     */
    void quantErrorBf16(ByteBuffer src, int from, int len, float s, float qmin, float qmax, double[] acc);

    /**
     * The deploy model's levels ({@link DeployQuant}): x·inv + o clamped to [qmin, qmax] and rounded half to even
     * (never −0), from float index {@code from} of {@code src} into the same indices of {@code dst}.
     */
    void deployLevels(ByteBuffer src, ByteBuffer dst, int from, int len, float inv, float o, float qmin, float qmax);

    /**
     * The 2:4 keep mask of {@code len} floats from float index {@code from} of {@code w} ({@code from} and {@code len}
     * multiples of 4, each run of 4 one group) into the same indices of {@code keep}: 1 for the two largest |w| of a
     * group, 0 for the others; ties as torch's CPU topk ({@link NthElement}). NaN is rejected naming its flat index.
     */
    default void twoOfFour(ByteBuffer w, ByteBuffer keep, int from, int len) {
        twoOfFour(w, from, keep, from, len);
    }

    /**
     * The 2:4 mask of {@code len} floats from float index {@code from} of {@code w} (len a multiple of 4), packed as
     * {@link MaskBits} packs it into {@code words[firstWord ...]} (the float at {@code from} is the first bit of
     * {@code words[firstWord]}, a last partial word zero-padded), without a float mask; returns how many it keeps.
     */
    long twoOfFourPacked(ByteBuffer w, int from, int len, long[] words, int firstWord);

    /**
     * {@link #twoOfFourPacked} of {@code len} BF16 values (little-endian) from element {@code from} of {@code w}: the
     * words of their exact float32, without widening them to memory.
     */
    long twoOfFourPackedBf16(ByteBuffer w, int from, int len, long[] words, int firstWord);

    /** {@link #twoOfFour(ByteBuffer, ByteBuffer, int, int)} writing the mask from float index {@code keepFrom} of {@code keep}. */
    void twoOfFour(ByteBuffer w, int from, ByteBuffer keep, int keepFrom, int len);

    /**
     * ULQ's backward over {@code len} floats from float index {@code from}: with u = [x &gt; hi], l = [x &lt; lo],
     * t = (x clamped to the clips) / s and e = (round(t) − t)·invLevels, writes {@code dx = g·(1 − (u + l)) + 0} and
     * adds Σ (e + u)·g to {@code sums[0]} and Σ (l − e)·g to {@code sums[1]} (each term in float, summed as
     * {@link #sumTerms} describes).
     */
    void ulqGradient(ByteBuffer x, ByteBuffer g, ByteBuffer dx, int from, int len, float hi, float lo, float clipMax,
                     float clipMin, float s, float invLevels, double[] sums);

    /**
     * Weight ULQ's scale gradient over {@code len} floats from float index {@code from}: Σ (t·r)·g with t = h − 1 above
     * s·(h − 1), −h below −s·h, round(w/s) − w/s between (each term in float, summed as {@link #sumTerms} describes).
     */
    double scaleGradient(ByteBuffer w, ByteBuffer g, int from, int len, float s, float h, float r);

    /**
     * The order of the gradient sums: in each full sixteen elements, the float terms of elements j and j + 8 are added
     * in float and that sum goes to double lane j (of eight); the lanes are added as ((0+1)+(2+3)) + ((4+5)+(6+7)); the
     * terms past the last full sixteen are added in order after that. Order-fixed, so the scalar and SIMD loops agree
     * (one float rounding per pair, then double: within AMCT's reduction-order tolerance of torch's float sum,
     * algorithms.md §2.3).
     */
    static double sumTerms(double[] lanes, double tail) {
        return (((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))) + tail;
    }

    /**
     * IFMR's search, all candidates in one pass over the data: for each candidate i, Σ over {@code d} in order of
     * e² (float) added in double, e = round(clamp(v, lo[i], hi[i]) / scale[i])·scale[i] − v, into {@code sums[i]}.
     * Each candidate's sum keeps the element order, so the result is bit-identical to one pass per candidate.
     */
    void squaredErrors(float[] d, float[] hi, float[] lo, float[] scale, double[] sums);

    /**
     * Widens {@code count} BF16 values (little-endian, from byte {@code srcByte} of {@code src}) to float32 at float
     * index {@code dstFloat} of {@code dst}: each one float32's upper half, exactly.
     */
    void widenBf16(ByteBuffer src, int srcByte, ByteBuffer dst, int dstFloat, int count);

    /** What runs, for {@code doctor}: e.g. "SIMD, 256-bit float vectors". */
    String describe();
}
