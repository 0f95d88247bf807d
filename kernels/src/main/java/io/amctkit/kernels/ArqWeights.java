package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * ARQ weight fake quantization (AMCT {@code arq_retrain_forward_pytorch}): the weight, output channels first, viewed
 * as {@code [Cout, K]}; per-channel or per-tensor max/min; symmetric factors (the 127/128 rule, offset 0 — the real
 * pipeline never uses an offset); fake quantization. Recomputed every forward, nothing trainable; the backward is
 * the identity (straight-through, no clipping mask).
 */
public final class ArqWeights {

    /** The fake-quantized weight (in the module's shape) and its factors. */
    public record Result(INDArray fakeQuantized, ScaleOffset factors) {
    }

    private ArqWeights() {
    }

    public static Result forward(INDArray weight, WeightLayout layout, int bits, boolean channelWise, boolean withOffset,
                                 Parallel parallel) {
        if (weight.rank() < 1 || weight.length() == 0) {
            throw new KernelException("ARQ needs a non-empty weight with output channels on axis 0; got shape "
                    + java.util.Arrays.toString(weight.shape()));
        }
        INDArray w = Tensors.asFloat32(layout.toCoutFirst(Tensors.asFloat32(weight)));
        FloatBuffer in = Tensors.floats(w);
        int n = in.limit();
        int cout = (int) w.size(0);
        int row = n / cout;
        float[][] maxMin = channelWise ? ChannelStats.maxMin(in, cout, row, parallel) : ChannelStats.maxMin(in, 1, n, parallel);
        for (int c = 0; c < maxMin[0].length; c++) {
            if (!Float.isFinite(maxMin[0][c]) || !Float.isFinite(maxMin[1][c])) {
                Tensors.requireFinite(in, "weight");
            }
        }
        ScaleOffset f = ScaleOffset.calculate(maxMin[0], maxMin[1], withOffset, bits);
        INDArray out = Tensors.newFloat32(w.shape());
        FloatBuffer o = Tensors.floats(out);
        parallel.forRange(n, (from, to) -> FakeQuant.apply(in, o, from, to, f, channelWise ? row : n, bits));
        return new Result(layout.fromCoutFirst(out, weight.shape()), f);
    }

    /** Straight-through: the weight gradient is the output gradient, unchanged. */
    public static INDArray backward(INDArray gradOutput) {
        return gradOutput;
    }
}
