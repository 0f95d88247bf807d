package io.amctkit.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * {@link Lanes} in plain Java loops over heap blocks (C2 vectorizes the simple ones, not loops over a direct buffer):
 * the reference the SIMD loops must equal, and what runs without the Vector API module.
 */
final class ScalarLanes implements Lanes {

    static final ScalarLanes INSTANCE = new ScalarLanes();

    private ScalarLanes() {
    }

    private static FloatBuffer floats(ByteBuffer bytes) {
        return bytes.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Override
    public void maxMin(ByteBuffer src, int from, int len, float[] maxMin) {
        maxMin(src, false, from, len, maxMin);
    }

    @Override
    public void maxMinBf16(ByteBuffer src, int from, int len, float[] maxMin) {
        maxMin(src, true, from, len, maxMin);
    }

    private static void maxMin(ByteBuffer src, boolean bf16, int from, int len, float[] maxMin) {
        float[] buf = new float[Math.min(BLOCK, Math.max(1, len))];
        float hi = Float.NEGATIVE_INFINITY;
        float lo = Float.POSITIVE_INFINITY;
        for (int i = 0; i < len; i += buf.length) {
            int n = Math.min(buf.length, len - i);
            read(src, bf16, from + i, buf, n);
            for (int k = 0; k < n; k++) {
                hi = Math.max(hi, buf[k]);
                lo = Math.min(lo, buf[k]);
            }
        }
        if (hi != hi || lo != lo) {
            hi = Float.NaN;   // any NaN: both NaN, the canonical one (as the SIMD loops give)
            lo = Float.NaN;
        }
        maxMin[0] = hi;
        maxMin[1] = lo;
    }

    @Override
    public double sumOfSquares(ByteBuffer src, int from, int len) {
        FloatBuffer in = floats(src);
        float[] buf = new float[BLOCK];
        double total = 0;
        for (int i = 0; i < len; i += BLOCK) {
            int n = Math.min(BLOCK, len - i);
            in.get(from + i, buf, 0, n);
            total += sumOfSquares(buf, n);
        }
        return total;
    }

    /** Σ x² of {@code buf[0, len)}: sixteen float lanes, the tail in double, lanes added pairwise in double. */
    static double sumOfSquares(float[] buf, int len) {
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
        double tail = 0;
        for (; k < len; k++) {
            tail += (double) buf[k] * buf[k];
        }
        return combine(tail, new float[]{s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15});
    }

    /** {@code tail} plus the sixteen lane sums, added in double in groups of four (pairwise within a group). */
    static double combine(double tail, float[] s) {
        return combine(tail, s, 0);
    }

    /** {@link #combine(double, float[])} of the sixteen lanes from {@code s[at]}. */
    static double combine(double tail, float[] s, int at) {
        return tail + (((double) s[at] + s[at + 1]) + ((double) s[at + 2] + s[at + 3]))
                + (((double) s[at + 4] + s[at + 5]) + ((double) s[at + 6] + s[at + 7]))
                + (((double) s[at + 8] + s[at + 9]) + ((double) s[at + 10] + s[at + 11]))
                + (((double) s[at + 12] + s[at + 13]) + ((double) s[at + 14] + s[at + 15]));
    }

    @Override
    public int fakeQuant(ByteBuffer src, ByteBuffer dst, int from, int len, float s, float o, float qmin, float qmax,
                         boolean checkFinite) {
        FloatBuffer in = floats(src);
        FloatBuffer out = floats(dst);
        float[] buf = new float[Math.min(BLOCK, Math.max(1, len))];
        for (int i = 0; i < len; i += buf.length) {
            int n = Math.min(buf.length, len - i);
            in.get(from + i, buf, 0, n);
            if (checkFinite && !(FakeQuant.largestMagnitude(buf, n) <= Float.MAX_VALUE)) {
                for (int k = 0; k < n; k++) {
                    if (!Float.isFinite(buf[k])) {
                        return from + i + k;
                    }
                }
            }
            FakeQuant.block(buf, buf, n, s, o, qmin, qmax);   // in place: one L1-resident block
            out.put(from + i, buf, 0, n);
        }
        return -1;
    }

    @Override
    public void fakeQuantAndScan(ByteBuffer src, ByteBuffer dst, int from, int len, float s, float o, float qmin, float qmax,
                                 int next, float[] nextMaxMin) {
        fakeQuant(src, dst, from, len, s, o, qmin, qmax, false);
        maxMin(src, next, len, nextMaxMin);
    }

    @Override
    public void quantError(ByteBuffer src, int from, int len, float s, float qmin, float qmax, double[] acc) {
        quantError(src, false, from, len, s, qmin, qmax, acc);
    }

    @Override
    public void quantErrorBf16(ByteBuffer src, int from, int len, float s, float qmin, float qmax, double[] acc) {
        quantError(src, true, from, len, s, qmin, qmax, acc);
    }

    /** The error sums of floats, or of BF16 values when {@code bf16}, block by block. */
    private static void quantError(ByteBuffer src, boolean bf16, int from, int len, float s, float qmin, float qmax,
                                   double[] acc) {
        float[] xb = new float[BLOCK];
        float[] qb = new float[BLOCK];
        float[] signal = new float[BLOCK];
        float[] noise = new float[BLOCK];
        for (int i = 0; i < len; i += BLOCK) {
            int n = Math.min(BLOCK, len - i);
            read(src, bf16, from + i, xb, n);
            FakeQuant.block(xb, qb, n, s, 0, qmin, qmax);
            QuantError.addBlock(xb, qb, n, qmin * s, qmax * s, signal, noise, acc);
        }
    }

    /** {@code n} floats (or BF16 values, widened) from element {@code at} of {@code src} into {@code out}. */
    private static void read(ByteBuffer src, boolean bf16, int at, float[] out, int n) {
        if (bf16) {
            for (int k = 0; k < n; k++) {
                out[k] = bf16(src, at + k);
            }
        } else {
            floats(src).get(at, out, 0, n);
        }
    }

    /**
     * Σ {@code terms[0, n)} (n ≤ {@link #BLOCK}) in {@link #sumOfSquares}'s order: sixteen float lanes (term k into lane
     * k mod 16), the terms past the last full sixteen in double, then {@link #combine}.
     */
    static double blockSum(float[] terms, int n) {
        float[] lanes = new float[16];
        int k = 0;
        for (; k + 15 < n; k += 16) {
            for (int j = 0; j < 16; j++) {
                lanes[j] += terms[k + j];
            }
        }
        double tail = 0;
        for (; k < n; k++) {
            tail += terms[k];
        }
        return combine(tail, lanes);
    }

    @Override
    public void deployLevels(ByteBuffer src, ByteBuffer dst, int from, int len, float inv, float o, float qmin, float qmax) {
        FloatBuffer in = floats(src);
        FloatBuffer out = floats(dst);
        float[] buf = new float[Math.min(BLOCK, Math.max(1, len))];
        for (int i = 0; i < len; i += buf.length) {
            int n = Math.min(buf.length, len - i);
            in.get(from + i, buf, 0, n);
            for (int k = 0; k < n; k++) {
                float t = Math.min(Math.max(buf[k] * inv + o, qmin), qmax);
                buf[k] = (t + Fp32.ROUNDER) - Fp32.ROUNDER;
            }
            out.put(from + i, buf, 0, n);
        }
    }

    @Override
    public void twoOfFour(ByteBuffer w, int from, ByteBuffer keep, int keepFrom, int len) {
        FloatBuffer in = floats(w);
        FloatBuffer out = floats(keep);
        float[] buf = new float[Math.min(BLOCK, Math.max(4, len))];
        float[] mask = new float[buf.length];
        for (int i = 0; i < len; i += buf.length) {
            int n = Math.min(buf.length, len - i);
            in.get(from + i, buf, 0, n);
            twoOfFour(buf, mask, 0, n, from + i);
            out.put(keepFrom + i, mask, 0, n);
        }
    }

    @Override
    public long twoOfFourPackedBf16(ByteBuffer w, int from, int len, long[] words, int firstWord) {
        return twoOfFourPacked(w, true, from, len, words, firstWord);
    }

    /** The bits of |element {@code i}| (BF16 values when {@code bf16}, else floats): ordered as the magnitudes, NaN above 0x7f800000. */
    private static int magnitude(ByteBuffer w, boolean bf16, int i) {
        return Float.floatToRawIntBits(bf16 ? bf16(w, i) : w.getFloat(i * Float.BYTES)) & 0x7fffffff;
    }

    /** Element {@code i} of little-endian BF16 values, as float32 (exactly). */
    static float bf16(ByteBuffer w, int i) {
        short h = w.getShort(2 * i);
        return Float.intBitsToFloat(w.order() == ByteOrder.LITTLE_ENDIAN ? h << 16 : Short.reverseBytes(h) << 16);
    }

    @Override
    public long twoOfFourPacked(ByteBuffer w, int from, int len, long[] words, int firstWord) {
        return twoOfFourPacked(w, false, from, len, words, firstWord);
    }

    /** The packed 2:4 words of floats, or of BF16 values when {@code bf16}, one word at a time (torch's tie order, NaN named). */
    private static long twoOfFourPacked(ByteBuffer w, boolean bf16, int from, int len, long[] words, int firstWord) {
        float[] values = new float[64];
        float[] keep = new float[64];
        long kept = 0;
        for (int i = 0; i < len; i += 64) {
            int n = Math.min(64, len - i);
            read(w, bf16, from + i, values, n);
            twoOfFour(values, keep, 0, n, from + i);
            long word = 0;
            for (int k = 0; k < n; k++) {
                word |= (long) keep[k] << MaskBits.bitInWord(k);
            }
            words[firstWord + i / 64] = word;
            kept += Long.bitCount(word);
        }
        return kept;
    }

    /**
     * {@code word}, the majority rule's bits for the 64 floats (BF16 values, little-endian, when {@code bf16}) from
     * element {@code at} of {@code w} (a lane kept when
     * two others of its group are strictly smaller), with every group of 4 that did not keep exactly 2 (a tie or a NaN
     * in it) redone in torch's tie order, NaN named. A group the rule gave 2 keeps its two strictly largest, which no
     * tie order changes; the rule never gives more than 2.
     */
    static long repairedWord(ByteBuffer w, boolean bf16, int at, long word) {
        for (int g = 0; g < 16; g++) {
            int shift = MaskBits.bitInWord(4 * g + 3);   // the group's nibble: element j at bit shift + 3 - j
            if (Long.bitCount(word >>> shift & 0xF) == 2) {
                continue;
            }
            int k = at + 4 * g;
            int a0 = magnitude(w, bf16, k);
            int a1 = magnitude(w, bf16, k + 1);
            int a2 = magnitude(w, bf16, k + 2);
            int a3 = magnitude(w, bf16, k + 3);
            if (Math.max(Math.max(a0, a1), Math.max(a2, a3)) > 0x7f800000) {
                throw SelectiveMask.nanIn(k);
            }
            int keep = TieOrder.kept(a0, a1, a2, a3);
            long nibble = (keep & 1) << 3 | (keep & 2) << 1 | (keep & 4) >> 1 | (keep & 8) >> 3;   // element j at bit 3 - j
            word = word & ~(0xFL << shift) | nibble << shift;
        }
        return word;
    }

    /** The 2:4 keep mask of {@code w[from, to)} into {@code keep}; {@code at} is the flat index of {@code w[0]}. */
    static void twoOfFour(float[] w, float[] keep, int from, int to, long at) {
        for (int k = from; k < to; k += 4) {
            float a0 = Math.abs(w[k]);
            float a1 = Math.abs(w[k + 1]);
            float a2 = Math.abs(w[k + 2]);
            float a3 = Math.abs(w[k + 3]);
            if ((a0 != a0) | (a1 != a1) | (a2 != a2) | (a3 != a3)) {
                throw SelectiveMask.nanIn(at + k);
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
    public void ulqGradient(ByteBuffer x, ByteBuffer g, ByteBuffer dx, int from, int len, float hi, float lo, float clipMax,
                            float clipMin, float s, float invLevels, double[] sums) {
        FloatBuffer xs = floats(x);
        FloatBuffer gs = floats(g);
        FloatBuffer out = floats(dx);
        float[] xb = new float[BLOCK];
        float[] gb = new float[BLOCK];
        float[] ta = new float[BLOCK];
        float[] tb = new float[BLOCK];
        double[] la = new double[8];
        double[] lb = new double[8];
        double tailA = 0;
        double tailB = 0;
        int full = len / 16 * 16;
        for (int i = 0; i < len; i += BLOCK) {
            int n = Math.min(BLOCK, len - i);
            xs.get(from + i, xb, 0, n);
            gs.get(from + i, gb, 0, n);
            for (int k = 0; k < n; k++) {
                float v = xb[k];
                float gv = gb[k];
                float u = v > hi ? 1f : 0f;
                float l = v < lo ? 1f : 0f;
                float t = (v > hi ? clipMax : (v < lo ? clipMin : v)) / s;
                float e = (((t + Fp32.ROUNDER) - Fp32.ROUNDER) - t) * invLevels;
                ta[k] = (e + u) * gv;
                tb[k] = (l - e) * gv;
                xb[k] = gv * (1f - (u + l)) + 0f;   // g inside, +0 outside
            }
            out.put(from + i, xb, 0, n);
            int blockFull = Math.max(0, Math.min(n, full - i));   // BLOCK is a multiple of 16
            tailA += addTerms(ta, blockFull, n, la);
            tailB += addTerms(tb, blockFull, n, lb);
        }
        sums[0] += Lanes.sumTerms(la, tailA);
        sums[1] += Lanes.sumTerms(lb, tailB);
    }

    /**
     * Adds {@code terms[0, full)} to the eight lanes ({@link Lanes#sumTerms}'s pairs) and returns the in-order sum of
     * {@code terms[full, n)}, the tail (non-empty only in the last block).
     */
    private static double addTerms(float[] terms, int full, int n, double[] lanes) {
        for (int k = 0; k < full; k += 16) {
            for (int j = 0; j < 8; j++) {
                lanes[j] += terms[k + j] + terms[k + j + 8];
            }
        }
        double tail = 0;
        for (int k = full; k < n; k++) {
            tail += terms[k];
        }
        return tail;
    }

    @Override
    public double scaleGradient(ByteBuffer w, ByteBuffer g, int from, int len, float s, float h, float r) {
        FloatBuffer ws = floats(w);
        FloatBuffer gs = floats(g);
        float[] wb = new float[BLOCK];
        float[] gb = new float[BLOCK];
        double[] lanes = new double[8];
        double tail = 0;
        float upperThr = s * (h - 1);
        float lowerThr = -s * h;
        int full = len / 16 * 16;
        for (int i = 0; i < len; i += BLOCK) {
            int n = Math.min(BLOCK, len - i);
            ws.get(from + i, wb, 0, n);
            gs.get(from + i, gb, 0, n);
            for (int k = 0; k < n; k++) {
                float v = wb[k];
                float x = v / s;
                float t = v > upperThr ? h - 1 : (v < lowerThr ? -h : ((x + Fp32.ROUNDER) - Fp32.ROUNDER) - x);
                wb[k] = (t * r) * gb[k];
            }
            tail += addTerms(wb, Math.max(0, Math.min(n, full - i)), n, lanes);
        }
        return Lanes.sumTerms(lanes, tail);
    }

    @Override
    public void squaredErrors(float[] d, float[] hi, float[] lo, float[] scale, double[] sums) {
        for (int i = 0; i < hi.length; i++) {
            float c = hi[i];
            float l = lo[i];
            float s = scale[i];
            double sum = 0;
            for (float v : d) {
                float clipped = v < l ? l : (v > c ? c : v);
                float q = Fp32.rint(clipped / s) * s;
                float e = q - v;
                sum += e * e;
            }
            sums[i] = sum;
        }
    }

    @Override
    public void widenBf16(ByteBuffer src, int srcByte, ByteBuffer dst, int dstFloat, int count) {
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        java.nio.IntBuffer out = dst.duplicate().order(ByteOrder.nativeOrder()).asIntBuffer();
        short[] halves = new short[Math.min(BLOCK, Math.max(1, count))];
        int[] bits = new int[halves.length];
        for (int i = 0; i < count; i += halves.length) {
            int n = Math.min(halves.length, count - i);
            in.position(srcByte + 2 * i);
            in.asShortBuffer().get(halves, 0, n);
            for (int k = 0; k < n; k++) {
                bits[k] = halves[k] << 16;
            }
            out.put(dstFloat + i, bits, 0, n);
        }
    }

    @Override
    public String describe() {
        return "scalar loops (start the JVM with --add-modules " + LanesChoice.VECTOR_MODULE + " for SIMD)";
    }
}
