package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The activation quantization of AMCT's saved models (algorithms.md §9), next to training's: the deploy model's
 * {@code AscendQuant} computes {@code q = rint(x·(1/scale_d) + offset_d)} saturated to the integer type (the
 * reciprocal correctly rounded to float32), the fake-quant ONNX model {@code rint(x·(1/scale_d)) + offset_d} clamped,
 * while QAT computes {@code rint(x/scale_d + offset_d)}. They differ on ties and in the last ulp; {@link #mismatches}
 * counts how often, so a report can say what the deployed model will do differently.
 */
public final class DeployQuant {

    private DeployQuant() {
    }

    /** The deploy model's integer levels of {@code x} (as floats). */
    public static INDArray quantize(INDArray x, float scaleD, int offsetD, int bits) {
        INDArray in = Tensors.asFloat32(x);
        INDArray out = Tensors.newFloat32(in.shape());
        // clamping to the integer bounds before rounding equals rounding first; the rounding gives +0, never −0
        Lanes.best().deployLevels(Tensors.bytes(in), Tensors.bytes(out), 0, (int) in.length(), reciprocal(scaleD), offsetD,
                Fp32.qmin(bits), Fp32.qmax(bits));
        return out;
    }

    /** The correctly rounded float32 of 1/scale (the AscendQuant {@code scale} attribute). */
    public static float reciprocal(float scale) {
        return (float) (1.0 / scale);
    }

    /** How many of {@code x}'s levels differ: {deploy vs training, fake-quant ONNX vs training}. */
    public static long[] mismatches(float[] x, float scaleD, int offsetD, int bits) {
        float inv = reciprocal(scaleD);
        float lo = Fp32.qmin(bits);
        float hi = Fp32.qmax(bits);
        long deploy = 0;
        long fakeQuant = 0;
        for (float v : x) {
            float training = Math.min(Math.max(Fp32.rint(v / scaleD + offsetD), lo), hi);
            float deployed = Math.min(Math.max(Fp32.rint(v * inv + offsetD), lo), hi);
            float onnx = Math.min(Math.max(Fp32.rint(v * inv) + offsetD, lo), hi);
            deploy += training != deployed ? 1 : 0;
            fakeQuant += training != onnx ? 1 : 0;
        }
        return new long[]{deploy, fakeQuant};
    }
}
