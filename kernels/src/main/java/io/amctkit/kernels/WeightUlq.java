package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

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
        FloatBuffer in = Tensors.floats(w);
        int rows = channelWise ? (int) w.size(0) : 1;
        float[][] mm = ChannelStats.maxMin(in, rows, in.limit() / rows, parallel);
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
        FloatBuffer in = Tensors.floats(w);
        int rows = s.length;
        if (in.limit() % rows != 0) {
            throw new KernelException("weight of " + in.limit() + " elements cannot be split into " + rows + " scale channels");
        }
        ScaleOffset f = new ScaleOffset(s, new int[rows]);
        Tensors.requireOutput(out, w, "the weight ULQ output");
        INDArray target = layout.transposed() ? Tensors.newFloat32(w.shape()) : out;
        FloatBuffer o = Tensors.floats(target);
        parallel.forRange(in.limit(), (from, to) -> FakeQuant.apply(in, o, from, to, f, in.limit() / rows, bits));
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
        FloatBuffer in = Tensors.floats(w);
        FloatBuffer go = Tensors.floats(g);
        int rows = scale.length;
        int row = in.limit() / rows;
        float h = (float) (1L << (bits - 1));
        int n = gradientN(w.shape(), rows > 1);
        float r = 1f / (float) Math.sqrt((float) ((long) n * (long) (h - 1)));
        float[] grad = new float[rows];
        for (int c = 0; c < rows; c++) {
            float s = scale[c];
            float upperThr = s * (h - 1);
            float lowerThr = -s * h;
            int base = c * row;
            double[] sum = parallel.reduceRanges(row, 1, (from, to, acc) -> {
                double total = 0;
                for (int i = base + from; i < base + to; i++) {
                    float v = in.get(i);
                    boolean upper = v > upperThr;
                    boolean lower = v < lowerThr;
                    float t;
                    if (upper) {
                        t = h - 1;
                    } else if (lower) {
                        t = -h;
                    } else {
                        float x = v / s;
                        t = Fp32.rint(x) - x;
                    }
                    total += (t * r) * go.get(i);
                }
                acc[0] += total;
            });
            grad[c] = (float) sum[0];
        }
        return new Gradients(gradOutput, grad);
    }
}
