package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;

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
        return forwardInto(weight, layout, bits, channelWise, withOffset, Tensors.newFloat32(weight.shape()), parallel);
    }

    /** The forward writing the fake-quantized weight (module shape) into {@code out}. */
    public static Result forwardInto(INDArray weight, WeightLayout layout, int bits, boolean channelWise, boolean withOffset,
                                     INDArray out, Parallel parallel) {
        INDArray w = coutFirst(weight, layout);
        ByteBuffer in = Tensors.bytes(w);
        Lanes lanes = Lanes.best();
        int n = (int) w.length();
        int cout = (int) w.size(0);
        int row = n / cout;
        Tensors.requireOutput(out, w, "the ARQ output");
        INDArray target = layout.transposed() ? Tensors.newFloat32(w.shape()) : out;
        ByteBuffer o = Tensors.bytes(target);
        ScaleOffset f;
        if (channelWise) {
            // per row: statistics, factors and fake quantization together, so the second read of a row hits the cache
            float[] scale = new float[cout];
            int[] offset = new int[cout];
            parallel.forRows(cout, row, (from, to) -> {
                float[] mm = new float[2];
                float qmin = Fp32.qmin(bits);
                float qmax = Fp32.qmax(bits);
                lanes.maxMin(in, from * row, row, mm);
                for (int c = from; c < to; c++) {
                    int base = c * row;
                    requireFinite(mm, in, base, base + row);
                    ScaleOffset rowFactors = ScaleOffset.calculate(new float[]{mm[0]}, new float[]{mm[1]}, withOffset, bits);
                    scale[c] = rowFactors.scale(0);
                    offset[c] = rowFactors.offset(0);
                    if (c + 1 < to) {
                        // this row (in cache since its scan) is quantized while the next one is read for its max/min
                        lanes.fakeQuantAndScan(in, o, base, row, scale[c], offset[c], qmin, qmax, base + row, mm);
                    } else {
                        lanes.fakeQuant(in, o, base, row, scale[c], offset[c], qmin, qmax, false);
                    }
                }
            });
            f = new ScaleOffset(scale, offset);
        } else {
            float[][] mm = ChannelStats.maxMin(in, 1, n, parallel);
            requireFinite(new float[]{mm[0][0], mm[1][0]}, in, 0, n);
            f = ScaleOffset.calculate(mm[0], mm[1], withOffset, bits);
            ScaleOffset tensorFactors = f;
            parallel.forRange(n, (from, to) -> FakeQuant.apply(in, o, from, to, tensorFactors, n, bits, false));
        }
        if (layout.transposed()) {
            out.assign(layout.fromCoutFirst(target, weight.shape()));
        }
        return new Result(out, f);
    }

    /** ARQ's factors for a weight and the error its fake quantization makes. */
    public record Summary(ScaleOffset factors, QuantError error) {
    }

    /**
     * What {@link #forward} gives a report, without writing the fake-quantized weight: the same factors (symmetric, no
     * offset, as the real pipeline) and the {@link QuantError} of its fake quantization, each row's statistics, factors
     * and error computed in one pass over the row (per channel). Needs no memory of the weight's size.
     */
    public static Summary summary(INDArray weight, WeightLayout layout, int bits, boolean channelWise, Parallel parallel) {
        // a BF16 weight stays BF16 (read two values per int lane) unless its layout needs a transposed copy
        INDArray w = !layout.transposed() && StoredElements.isContiguousBf16(weight) ? weight : coutFirst(weight, layout);
        StoredElements in = StoredElements.of(w);
        Lanes lanes = Lanes.best();
        int n = in.length();
        int cout = (int) w.size(0);
        int row = n / cout;
        if (channelWise && cout > 1) {
            float[] scale = new float[cout];
            int[] offset = new int[cout];
            double[][] parts = new double[cout][];
            parallel.forRows(cout, row, (from, to) -> {
                float[] mm = new float[2];
                float qmin = Fp32.qmin(bits);
                float qmax = Fp32.qmax(bits);
                for (int c = from; c < to; c++) {
                    int base = c * row;
                    in.maxMin(lanes, base, row, mm);
                    requireFinite(mm, in, base, row);
                    ScaleOffset rowFactors = ScaleOffset.calculate(new float[]{mm[0]}, new float[]{mm[1]}, false, bits);
                    scale[c] = rowFactors.scale(0);
                    offset[c] = rowFactors.offset(0);
                    double[] acc = new double[4];
                    in.quantError(lanes, base, row, scale[c], qmin, qmax, acc);   // the row is still in cache
                    parts[c] = acc;
                }
            });
            return new Summary(new ScaleOffset(scale, offset), QuantError.sum(parts, n));
        }
        float[] mm = maxMin(in, lanes, parallel);
        requireFinite(mm, in, 0, n);
        ScaleOffset f = ScaleOffset.calculate(new float[]{mm[0]}, new float[]{mm[1]}, false, bits);
        return new Summary(f, QuantError.fused(in, f.scale(), bits, parallel));
    }

    /** The weight as float32 with output channels first ([Cout, K] rows); an empty or rankless weight is an error. */
    private static INDArray coutFirst(INDArray weight, WeightLayout layout) {
        if (weight.rank() < 1 || weight.length() == 0) {
            throw new KernelException("ARQ needs a non-empty weight with output channels on axis 0; got shape "
                    + java.util.Arrays.toString(weight.shape()));
        }
        return Tensors.asFloat32(layout.toCoutFirst(Tensors.asFloat32(weight)));
    }

    /** max/min NaN or infinite: name the first offending element, as AMCT's check_quant_data rejects it. */
    private static void requireFinite(float[] maxMin, ByteBuffer in, int from, int to) {
        if (!Float.isFinite(maxMin[0]) || !Float.isFinite(maxMin[1])) {
            for (int i = from; i < to; i++) {
                requireFinite(in.getFloat(i * Float.BYTES), i);
            }
        }
    }

    /** The same over elements {@code [from, from + len)} of {@code in}. */
    private static void requireFinite(float[] maxMin, StoredElements in, int from, int len) {
        if (!Float.isFinite(maxMin[0]) || !Float.isFinite(maxMin[1])) {
            int i = in.firstNonFinite(from, len);
            if (i >= 0) {
                requireFinite(in.value(i), i);
            }
        }
    }

    private static void requireFinite(float v, int flatIndex) {
        if (!Float.isFinite(v)) {
            throw new KernelException("The weight to be quantized has invalid value " + v + " at flat index " + flatIndex
                    + " (AMCT: \"has invalid value inf or nan!\"); clean the weights or skip this layer");
        }
    }

    /** Elements per part of a per-tensor max/min (parts spread over the threads). */
    private static final int PART = 1 << 16;

    /** {max, min} of the whole weight, NaN if any element is (as {@link ChannelStats#maxMin} over one row). */
    private static float[] maxMin(StoredElements in, Lanes lanes, Parallel parallel) {
        int n = in.length();
        int parts = (n + PART - 1) / PART;
        float[] hi = new float[parts];
        float[] lo = new float[parts];
        parallel.forRows(parts, PART, (first, last) -> {
            float[] r = new float[2];
            for (int p = first; p < last; p++) {
                in.maxMin(lanes, p * PART, Math.min(PART, n - p * PART), r);
                hi[p] = r[0];
                lo[p] = r[1];
            }
        });
        float max = hi[0];
        float min = lo[0];
        for (int p = 1; p < parts; p++) {
            max = ChannelStats.max(max, hi[p]);
            min = ChannelStats.min(min, lo[p]);
        }
        return new float[]{max, min};
    }

    /** Straight-through: the weight gradient is the output gradient, unchanged. */
    public static INDArray backward(INDArray gradOutput) {
        return gradOutput;
    }
}
