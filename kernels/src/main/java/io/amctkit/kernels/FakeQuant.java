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

    /** The integer level of one value. */
    static float quantize(float x, float scale, float offset, float qmin, float qmax) {
        float q = Fp32.rint(x / scale + offset);
        return q < qmin ? qmin : (q > qmax ? qmax : q);
    }

    /** Quantize and dequantize one value. */
    static float apply(float x, float scale, float offset, float qmin, float qmax) {
        return (quantize(x, scale, offset, qmin, qmax) - offset) * scale;
    }

    /**
     * Fake-quantizes {@code in[from, to)} into {@code out}; {@code rowLength} elements share one channel's factors
     * (the whole tensor when {@code factors} has one channel).
     */
    static void apply(FloatBuffer in, FloatBuffer out, int from, int to, ScaleOffset factors, int rowLength, int bits) {
        float qmin = Fp32.qmin(bits);
        float qmax = Fp32.qmax(bits);
        if (factors.channels() == 1) {
            float s = factors.scale(0);
            float o = factors.offset(0);
            for (int i = from; i < to; i++) {
                out.put(i, apply(in.get(i), s, o, qmin, qmax));
            }
            return;
        }
        int i = from;
        while (i < to) {
            int c = i / rowLength;
            int end = Math.min(to, (c + 1) * rowLength);
            float s = factors.scale(c);
            float o = factors.offset(c);
            for (; i < end; i++) {
                out.put(i, apply(in.get(i), s, o, qmin, qmax));
            }
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
