package io.amctkit.runtime.session;

import java.nio.FloatBuffer;

/**
 * How far fake-quantized weights are from the originals: mean squared error, signal-to-quantization-noise ratio in dB
 * (10·log10 Σw² / Σ(w − q)²; +∞ when exact), the largest absolute error, and the share of weights on the extreme
 * integer levels (clipped or at the range's edge).
 */
public record WeightError(double mse, double sqnrDb, double maxAbs, double saturation) {

    /** Compares {@code original} with {@code quantized} (same length), given the per-row scales and the integer range. */
    static WeightError of(FloatBuffer original, FloatBuffer quantized, float[] rowScales, float qmin, float qmax) {
        int n = original.limit();
        int rows = rowScales.length;
        int row = n / rows;
        double signal = 0;
        double noise = 0;
        double maxAbs = 0;
        long saturated = 0;
        for (int r = 0; r < rows; r++) {
            float s = rowScales[r];
            float lo = qmin * s;
            float hi = qmax * s;
            for (int i = r * row; i < (r + 1) * row; i++) {
                float w = original.get(i);
                float q = quantized.get(i);
                double e = (double) w - q;
                signal += (double) w * w;
                noise += e * e;
                maxAbs = Math.max(maxAbs, Math.abs(e));
                if (q <= lo || q >= hi) {
                    saturated++;
                }
            }
        }
        double sqnr = noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
        return new WeightError(noise / n, sqnr, maxAbs, n == 0 ? 0 : (double) saturated / n);
    }
}
