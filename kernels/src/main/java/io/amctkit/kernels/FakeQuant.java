package io.amctkit.kernels;

import java.nio.FloatBuffer;

/**
 * AMCT's {@code apply_fake_quantize_and_anti_quantize}: q = clamp(round_half_even(x/scale + offset), −2^(b−1),
 * 2^(b−1)−1), y = (q − offset)·scale, all in float32, with per-channel factors broadcast along axis 0. The offset is
 * added before rounding, which matters at .5 ties when it is odd.
 */
public final class FakeQuant {

    private FakeQuant() {
    }

    /** 1.5·2^23: adding and subtracting it rounds a float of magnitude ≤ 2^22 half to even. */
    private static final float ROUNDER = 12582912f;

    /**
     * The integer level of one value. Clamping to the integer bounds before rounding equals AMCT's round-then-clamp
     * (the bounds are integers), and keeps |t| ≤ 2^15 so the add/subtract rounding is exact half-to-even.
     */
    static float quantize(float x, float scale, float offset, float qmin, float qmax) {
        float t = x / scale + offset;
        t = t < qmin ? qmin : (t > qmax ? qmax : t);
        return (t + ROUNDER) - ROUNDER;
    }

    /** Quantize and dequantize one value. */
    static float apply(float x, float scale, float offset, float qmin, float qmax) {
        return (quantize(x, scale, offset, qmin, qmax) - offset) * scale;
    }

    /**
     * Fake-quantizes {@code in[from, to)} into {@code out}; {@code rowLength} elements share one channel's factors
     * (the whole tensor when {@code factors} has one channel). Returns the first index holding NaN or ±Infinity
     * (which AMCT rejects), or −1.
     */
    static int apply(FloatBuffer in, FloatBuffer out, int from, int to, ScaleOffset factors, int rowLength, int bits) {
        float qmin = Fp32.qmin(bits);
        float qmax = Fp32.qmax(bits);
        boolean finite = true;
        int i = from;
        while (i < to) {
            int c = factors.channels() == 1 ? 0 : i / rowLength;
            int end = factors.channels() == 1 ? to : Math.min(to, (c + 1) * rowLength);
            float s = factors.scale(c);
            float o = factors.offset(c);
            for (; i < end; i++) {
                float x = in.get(i);
                finite &= x - x == 0f;
                float t = x / s + o;
                t = t < qmin ? qmin : (t > qmax ? qmax : t);
                out.put(i, (((t + ROUNDER) - ROUNDER) - o) * s);
            }
        }
        if (!finite) {
            for (int j = from; j < to; j++) {
                if (!Float.isFinite(in.get(j))) {
                    return j;
                }
            }
        }
        return -1;
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
