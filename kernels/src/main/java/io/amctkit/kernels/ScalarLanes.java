package io.amctkit.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@link Lanes} in plain Java loops (C2 vectorizes the simple ones); the reference the SIMD loops must equal. */
final class ScalarLanes implements Lanes {

    static final ScalarLanes INSTANCE = new ScalarLanes();

    private ScalarLanes() {
    }

    @Override
    public void loadMaxMin(ByteBuffer src, int from, float[] dst, int len, float[] maxMin) {
        src.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(from, dst, 0, len);
        maxMin(dst, len, maxMin);
    }

    @Override
    public void maxMin(float[] buf, int len, float[] maxMin) {
        float hi = Float.NEGATIVE_INFINITY;
        float lo = Float.POSITIVE_INFINITY;
        for (int k = 0; k < len; k++) {
            hi = Math.max(hi, buf[k]);
            lo = Math.min(lo, buf[k]);
        }
        maxMin[0] = hi;
        maxMin[1] = lo;
    }

    @Override
    public double sumOfSquares(float[] buf, int len) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        float s8 = 0f, s9 = 0f, s10 = 0f, s11 = 0f, s12 = 0f, s13 = 0f, s14 = 0f, s15 = 0f;
        int k = 0;
        for (; k + 15 < len; k += 16) {
            s0 += buf[k] * buf[k];
            s1 += buf[k + 1] * buf[k + 1];
            s2 += buf[k + 2] * buf[k + 2];
            s3 += buf[k + 3] * buf[k + 3];
            s4 += buf[k + 4] * buf[k + 4];
            s5 += buf[k + 5] * buf[k + 5];
            s6 += buf[k + 6] * buf[k + 6];
            s7 += buf[k + 7] * buf[k + 7];
            s8 += buf[k + 8] * buf[k + 8];
            s9 += buf[k + 9] * buf[k + 9];
            s10 += buf[k + 10] * buf[k + 10];
            s11 += buf[k + 11] * buf[k + 11];
            s12 += buf[k + 12] * buf[k + 12];
            s13 += buf[k + 13] * buf[k + 13];
            s14 += buf[k + 14] * buf[k + 14];
            s15 += buf[k + 15] * buf[k + 15];
        }
        return combine(tail(buf, k, len), new float[]{s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15});
    }

    @Override
    public double sumOfSquares(ByteBuffer src, int from, int len, int block, float[] scratch) {
        java.nio.FloatBuffer floats = src.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        double total = 0;
        for (int i = 0; i < len; i += block) {
            int n = Math.min(block, len - i);
            floats.get(from + i, scratch, 0, n);
            total += sumOfSquares(scratch, n);
        }
        return total;
    }

    @Override
    public void fakeQuantInto(float[] src, int len, float s, float o, float qmin, float qmax, ByteBuffer dst, int to) {
        FakeQuant.block(src, src, len, s, o, qmin, qmax);
        dst.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().put(to, src, 0, len);
    }

    @Override
    public void twoOfFour(float[] w, float[] keep, int len, long at) {
        twoOfFour(w, keep, 0, len, at);
    }

    /** {@link #twoOfFour} over {@code w[from, to)}. */
    static void twoOfFour(float[] w, float[] keep, int from, int to, long at) {
        for (int k = from; k < to; k += 4) {
            float a0 = Math.abs(w[k]);
            float a1 = Math.abs(w[k + 1]);
            float a2 = Math.abs(w[k + 2]);
            float a3 = Math.abs(w[k + 3]);
            if ((a0 != a0) | (a1 != a1) | (a2 != a2) | (a3 != a3)) {
                throw new KernelException("2:4 mask: the weight has NaN in flat indices " + (at + k) + ".." + (at + k + 3));
            }
            if (a0 != a1 && a0 != a2 && a0 != a3 && a1 != a2 && a1 != a3 && a2 != a3) {
                int r0 = (a1 < a0 ? 1 : 0) + (a2 < a0 ? 1 : 0) + (a3 < a0 ? 1 : 0);
                int r1 = (a0 < a1 ? 1 : 0) + (a2 < a1 ? 1 : 0) + (a3 < a1 ? 1 : 0);
                int r2 = (a0 < a2 ? 1 : 0) + (a1 < a2 ? 1 : 0) + (a3 < a2 ? 1 : 0);
                int r3 = 6 - r0 - r1 - r2;
                // rank 2 or 3 (of 0..3) is kept: r >> 1, branch-free (the ranks of random data mispredict)
                keep[k] = r0 >> 1;
                keep[k + 1] = r1 >> 1;
                keep[k + 2] = r2 >> 1;
                keep[k + 3] = r3 >> 1;
            } else {
                int[] pruned = NthElement.smallestTwoOfFour(a0, a1, a2, a3);
                for (int j = 0; j < 4; j++) {
                    keep[k + j] = j == pruned[0] || j == pruned[1] ? 0f : 1f;
                }
            }
        }
    }

    @Override
    public void ulqGradient(float[] xs, float[] gs, float[] dx, float[] ta, float[] tb, int len, float hi, float lo,
                            float clipMax, float clipMin, float s, float invLevels) {
        ulqGradient(xs, gs, dx, ta, tb, 0, len, hi, lo, clipMax, clipMin, s, invLevels);
    }

    static void ulqGradient(float[] xs, float[] gs, float[] dx, float[] ta, float[] tb, int from, int len, float hi, float lo,
                            float clipMax, float clipMin, float s, float invLevels) {
        for (int k = from; k < len; k++) {
            float v = xs[k];
            float g = gs[k];
            float u = v > hi ? 1f : 0f;
            float l = v < lo ? 1f : 0f;
            float t = (v > hi ? clipMax : (v < lo ? clipMin : v)) / s;
            float e = (((t + Fp32.ROUNDER) - Fp32.ROUNDER) - t) * invLevels;
            dx[k] = g * (1f - (u + l)) + 0f;   // g inside, +0 outside (no select: it would not vectorize)
            ta[k] = (e + u) * g;
            tb[k] = (l - e) * g;
        }
    }

    /** Σ x² of {@code buf[from, len)} in double. */
    static double tail(float[] buf, int from, int len) {
        double tail = 0;
        for (int k = from; k < len; k++) {
            tail += (double) buf[k] * buf[k];
        }
        return tail;
    }

    /** {@code tail} plus the sixteen lane sums, added in double in groups of four (pairwise within a group). */
    static double combine(double tail, float[] s) {
        return tail + (((double) s[0] + s[1]) + ((double) s[2] + s[3])) + (((double) s[4] + s[5]) + ((double) s[6] + s[7]))
                + (((double) s[8] + s[9]) + ((double) s[10] + s[11])) + (((double) s[12] + s[13]) + ((double) s[14] + s[15]));
    }

    @Override
    public String describe() {
        return "scalar loops (start the JVM with --add-modules " + LanesChoice.VECTOR_MODULE + " for SIMD)";
    }
}
