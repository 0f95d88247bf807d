package io.amctkit.kernels;

import java.nio.ByteBuffer;

/**
 * AMCT's {@code apply_fake_quantize_and_anti_quantize}: q = clamp(round_half_even(x/scale + offset), −2^(b−1),
 * 2^(b−1)−1), y = (q − offset)·scale, all in float32, with per-channel factors broadcast along axis 0. The offset is
 * added before rounding, which matters at .5 ties when it is odd.
 */
public final class FakeQuant {

    private FakeQuant() {
    }

    /**
     * The integer level of one value. Clamping to the integer bounds before rounding equals AMCT's round-then-clamp
     * (the bounds are integers), and keeps |t| ≤ 2^15 so the add/subtract rounding is exact half-to-even.
     */
    static float quantize(float x, float scale, float offset, float qmin, float qmax) {
        float t = x / scale + offset;
        t = t < qmin ? qmin : (t > qmax ? qmax : t);
        return (t + Fp32.ROUNDER) - Fp32.ROUNDER;
    }

    /** Quantize and dequantize one value. */
    static float apply(float x, float scale, float offset, float qmin, float qmax) {
        return (quantize(x, scale, offset, qmin, qmax) - offset) * scale;
    }

    /**
     * Fake-quantizes {@code in[from, to)} into the same indices of {@code out} (native-order bytes of float32 arrays);
     * {@code rowLength} elements share one channel's factors (the whole range when {@code factors} has one channel).
     * Read and written in place by {@link Lanes#fakeQuant}: one read and one write of memory per element. Returns the
     * first index holding NaN or ±Infinity (which AMCT rejects), or −1; {@code checkFinite} false skips that check when
     * the caller already proved the input finite (ARQ's max/min pass does).
     */
    static int apply(ByteBuffer in, ByteBuffer out, int from, int to, ScaleOffset factors, int rowLength, int bits,
                     boolean checkFinite) {
        Lanes lanes = Lanes.best();
        float qmin = Fp32.qmin(bits);
        float qmax = Fp32.qmax(bits);
        int i = from;
        while (i < to) {
            int c = factors.channels() == 1 ? 0 : i / rowLength;
            int end = factors.channels() == 1 ? to : Math.min(to, (c + 1) * rowLength);
            int bad = lanes.fakeQuant(in, out, i, end - i, factors.scale(c), factors.offset(c), qmin, qmax, checkFinite);
            if (bad >= 0) {
                return bad;
            }
            i = end;
        }
        return -1;
    }

    /** max |x| of {@code src[0, len)}: NaN or ∞ when some value is not finite. A loop of its own: fused, it slows the other. */
    static float largestMagnitude(float[] src, int len) {
        float largest = 0f;
        for (int k = 0; k < len; k++) {
            largest = Math.max(largest, Math.abs(src[k]));
        }
        return largest;
    }

    /** Quantize-dequantize {@code src[0, len)} into {@code dst}: min/max clamping and add/subtract rounding vectorize. */
    static void block(float[] src, float[] dst, int len, float s, float o, float qmin, float qmax) {
        for (int k = 0; k < len; k++) {
            float t = src[k] / s + o;
            t = Math.min(Math.max(t, qmin), qmax);
            dst[k] = (((t + Fp32.ROUNDER) - Fp32.ROUNDER) - o) * s;
        }
    }

    /** The integer levels of {@code x} (AMCT's {@code apply_fake_quantize} output), as floats. */
    public static float[] levels(float[] x, ScaleOffset factors, int bits) {
        float[] q = new float[x.length];
        int row = x.length / factors.channels();
        for (int i = 0; i < x.length; i++) {
            int c = factors.channels() == 1 ? 0 : i / row;
            q[i] = quantize(x[i], factors.scale(c), factors.offset(c), Fp32.qmin(bits), Fp32.qmax(bits));
        }
        return q;
    }

    /** Quantize-dequantize {@code x} with {@code factors} (per-channel factors along axis 0). */
    public static float[] apply(float[] x, ScaleOffset factors, int bits) {
        float[] y = new float[x.length];
        int row = x.length / factors.channels();
        for (int i = 0; i < x.length; i++) {
            int c = factors.channels() == 1 ? 0 : i / row;
            y[i] = apply(x[i], factors.scale(c), factors.offset(c), Fp32.qmin(bits), Fp32.qmax(bits));
        }
        return y;
    }
}
