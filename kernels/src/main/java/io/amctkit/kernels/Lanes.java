package io.amctkit.kernels;

import java.nio.ByteBuffer;

/**
 * The vectorizable inner loops of the CPU kernels: one SIMD implementation on the JDK's Vector API (used when the JVM
 * runs with {@code --add-modules jdk.incubator.vector}) and one scalar implementation, with bit-identical results (the
 * reductions are order-independent or use the same sixteen float lanes in both).
 */
interface Lanes {

    /** The SIMD loops when the Vector API module is present, otherwise the scalar loops. */
    static Lanes best() {
        return LanesChoice.BEST;
    }

    /** The scalar loops, always available. */
    static Lanes scalar() {
        return ScalarLanes.INSTANCE;
    }

    /**
     * Copies {@code len} floats starting at float index {@code from} of the native-order {@code src} into
     * {@code dst[0, len)} and stores their {max, min} in {@code maxMin} (NaN if any is NaN).
     */
    void loadMaxMin(ByteBuffer src, int from, float[] dst, int len, float[] maxMin);

    /** {max, min} of {@code buf[0, len)} into {@code maxMin}; NaN if any element is NaN. */
    void maxMin(float[] buf, int len, float[] maxMin);

    /**
     * Σ x² of {@code buf[0, len)}: products summed in sixteen float lanes (element k into lane k mod 16, the tail past
     * the last full sixteen in double), the lanes then added pairwise in double.
     */
    double sumOfSquares(float[] buf, int len);

    /**
     * Σ x² of {@code len} floats from float index {@code from} of the native-order {@code src}, in blocks of
     * {@code block} floats: each block summed as {@link #sumOfSquares(float[], int)} does, the block sums added in
     * double. {@code scratch} holds at least {@code block} floats for implementations that stage.
     */
    double sumOfSquares(ByteBuffer src, int from, int len, int block, float[] scratch);

    /**
     * Fake-quantizes {@code src[0, len)} ({@link FakeQuant}'s block arithmetic: x/s + o clamped to [qmin, qmax], rounded
     * half to even, minus o, times s) into {@code len} floats from float index {@code to} of the native-order
     * {@code dst}. May overwrite {@code src}.
     */
    void fakeQuantInto(float[] src, int len, float s, float o, float qmin, float qmax, ByteBuffer dst, int to);

    /**
     * The 2:4 keep mask of {@code w[0, len)} ({@code len} a multiple of 4, each run of 4 one group) into {@code keep}:
     * 1 for the two largest |w| of a group, 0 for the others; ties as torch's CPU topk ({@link NthElement}). NaN is
     * rejected naming its flat index ({@code at} is the flat index of {@code w[0]}).
     */
    void twoOfFour(float[] w, float[] keep, int len, long at);

    /**
     * The element-wise part of ULQ's backward over {@code len} elements: with u = [x &gt; hi], l = [x &lt; lo],
     * t = (x clamped to the clips) / s and e = (round(t) − t)·invLevels: {@code dx = g·(1 − (u + l)) + 0},
     * {@code ta = (e + u)·g}, {@code tb = (l − e)·g} (float arithmetic, in this order).
     */
    void ulqGradient(float[] xs, float[] gs, float[] dx, float[] ta, float[] tb, int len, float hi, float lo,
                     float clipMax, float clipMin, float s, float invLevels);

    /** What runs, for {@code doctor}: e.g. "SIMD, 512-bit float vectors". */
    String describe();
}
