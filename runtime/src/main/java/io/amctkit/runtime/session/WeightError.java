package io.amctkit.runtime.session;

/**
 * How far fake-quantized weights are from the originals: mean squared error, signal-to-quantization-noise ratio in dB
 * (10·log10 Σw² / Σ(w − q)²; +∞ when exact), the largest absolute error, and the share of weights on the extreme
 * integer levels (clipped or at the range's edge).
 */
public record WeightError(double mse, double sqnrDb, double maxAbs, double saturation) {

    /** The figures of the kernels' sums. */
    static WeightError of(io.amctkit.kernels.QuantError e) {
        return new WeightError(e.mse(), e.sqnrDb(), e.maxAbs(), e.saturation());
    }
}
