package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;

/**
 * Weight ULQ ({@code ulq_retrain}, AMCT {@code UlqScaleRetrainFunction}): symmetric fake quantization with a learnable
 * scale. On the layer's first forward the scale is ARQ's (per channel or per tensor); later forwards use the trained
 * scale as given (offset 0). Backward: the weight gradient passes unchanged; the scale gradient is LSQ-style,
 * Σ t·g with t = round(w/s) − w/s inside the range, −2^(b−1) below, 2^(b−1)−1 above, times 1/√(N·(2^(b−1)−1))
 * computed in float32, N being the size of dimension 1 after AMCT's reshape.
 */
public final class WeightUlq {

    /** The fake-quantized weight (module shape) and the scale it used (per channel or one). */
    public record Forward(INDArray fakeQuantized, float[] scale) {
    }

    /** Gradients: the weight's (the output gradient, unchanged) and the scale's (per channel or one). */
    public record Gradients(INDArray gradWeight, float[] gradScale) {
    }

    private WeightUlq() {
    }

    /** ARQ's symmetric initial scale: per output channel or one for the tensor. */
    public static float[] initialScale(INDArray weight, WeightLayout layout, int bits, boolean channelWise, Parallel parallel) {
        INDArray w = Tensors.asFloat32(layout.toCoutFirst(Tensors.asFloat32(weight)));
        int rows = channelWise ? (int) w.size(0) : 1;
        float[][] mm = ChannelStats.maxMin(Tensors.bytes(w), rows, (int) (w.length() / rows), parallel);
        return ScaleOffset.calculate(mm[0], mm[1], false, bits).scale();
    }

    /** Forward with {@code scale} (null on the first forward: ARQ initialisation). */
    public static Forward forward(INDArray weight, WeightLayout layout, float[] scale, int bits, boolean channelWise,
                                  Parallel parallel) {
        return forwardInto(weight, layout, scale, bits, channelWise, Tensors.newFloat32(weight.shape()), parallel);
    }

    /** The forward writing the fake-quantized weight (module shape) into {@code out}. */
    public static Forward forwardInto(INDArray weight, WeightLayout layout, float[] scale, int bits, boolean channelWise,
                                      INDArray out, Parallel parallel) {
        float[] s = scale == null ? initialScale(weight, layout, bits, channelWise, parallel) : scale.clone();
        INDArray w = Tensors.asFloat32(layout.toCoutFirst(Tensors.asFloat32(weight)));
        ByteBuffer in = Tensors.bytes(w);
        int n = (int) w.length();
        int rows = s.length;
        if (n % rows != 0) {
            throw new KernelException("weight of " + n + " elements cannot be split into " + rows + " scale channels");
        }
        ScaleOffset f = new ScaleOffset(s, new int[rows]);
        Tensors.requireOutput(out, w, "the weight ULQ output");
        INDArray target = layout.transposed() ? Tensors.newFloat32(w.shape()) : out;
        ByteBuffer o = Tensors.bytes(target);
        // as torch computes it: NaN stays NaN, ±Infinity saturates (AMCT checks nothing here)
        parallel.forRange(n, (from, to) -> FakeQuant.apply(in, o, from, to, f, n / rows, bits, false));
        if (layout.transposed()) {
            out.assign(layout.fromCoutFirst(target, weight.shape()));
        }
        return new Forward(out, s);
    }

    /** N of the scale gradient: dimension 1 after AMCT's view of the weight (output channels first). */
    static int gradientN(long[] coutFirstShape, boolean perChannel) {
        long numel = 1;
        for (long d : coutFirstShape) {
            numel *= d;
        }
        if (coutFirstShape.length == 4 || perChannel || coutFirstShape.length == 1) {
            return (int) (numel / coutFirstShape[0]);
        }
        return (int) coutFirstShape[1];
    }

    public static Gradients backward(INDArray weight, WeightLayout layout, INDArray gradOutput, float[] scale, int bits,
                                     Parallel parallel) {
        INDArray w = Tensors.asFloat32(layout.toCoutFirst(Tensors.asFloat32(weight)));
        INDArray g = Tensors.asFloat32(layout.toCoutFirst(Tensors.asFloat32(gradOutput)));
        ByteBuffer in = Tensors.bytes(w);
        ByteBuffer go = Tensors.bytes(g);
        int rows = scale.length;
        int row = (int) (w.length() / rows);
        float h = (float) (1L << (bits - 1));
        int n = gradientN(w.shape(), rows > 1);
        float r = 1f / (float) Math.sqrt((float) ((long) n * (long) (h - 1)));
        Lanes lanes = Lanes.best();
        float[] grad = new float[rows];
        if (rows == 1) {
            double[] sum = parallel.reduceRanges(row, 1, (from, to, acc) ->
                    acc[0] += lanes.scaleGradient(in, go, from, to - from, scale[0], h, r));
            grad[0] = (float) sum[0];
        } else {
            // one channel per call, channels in parallel: the same sums whatever the thread count
            parallel.forRows(rows, row, (from, to) -> {
                for (int c = from; c < to; c++) {
                    grad[c] = (float) lanes.scaleGradient(in, go, c * row, row, scale[c], h, r);
                }
            });
        }
        return new Gradients(gradOutput, grad);
    }
}
