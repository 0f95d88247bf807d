package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;


/**
 * IFMR activation-range initialisation (AMCT {@code ifmr_forward_pytorch}): percentile max/min (k-th largest and
 * smallest, k = n − int(p·n), 1 when 1 − p &lt; FLT_EPSILON; widened to contain 0), then a search over the float32
 * {@code torch.arange(start, end, step)} ratio candidates (61 for 0.7…1.3) of the clip that minimises the mean squared
 * quantization error; symmetric by default (as QAT calls it), asymmetric with an offset on request.
 */
public final class Ifmr {

    /** IFMR's parameters; {@link #qatDefaults(int)} are the ones AMCT's QAT uses. */
    public record Params(int bits, boolean withOffset, double maxPercentile, double minPercentile, double searchStart,
                         double searchEnd, double searchStep) {
        public static Params qatDefaults(int bits) {
            return new Params(bits, false, 0.999999, 0.999999, 0.7, 1.3, 0.01);
        }
    }

    /** The chosen factors and the clip range ULQ starts from, with the search's inputs for inspection. */
    public record Result(float scale, float offset, float clipMax, float clipMin, float percentileMax, float percentileMin,
                         float[] ratios, float[] losses, int best) {
    }

    private Ifmr() {
    }

    /**
     * {@code torch.arange(start, end, step, dtype=float32)} on the CPU: ceil((end − start)/step) values; blocks of 8
     * start at f32(start + step·b) and step in double from there, except the tail after the last full 16-element
     * chunk, which is f32(start + step·i) (algorithms.md §3.2).
     */
    public static float[] ratioCandidates(double start, double end, double step) {
        int n = (int) Math.ceil((end - start) / step);
        float[] out = new float[n];
        int vectorized = (n / 16) * 16;
        for (int i = 0; i < n; i++) {
            if (i < vectorized) {
                int b = (i / 8) * 8;
                float base = (float) (start + step * b);
                out[i] = (float) (base + step * (i - b));
            } else {
                out[i] = (float) (start + step * i);
            }
        }
        return out;
    }

    public static Result run(INDArray data, Params p) {
        return run(data, p, Parallel.sequential());
    }

    /** IFMR on {@code data}, the candidates spread over {@code parallel}'s threads (the same result on any count). */
    public static Result run(INDArray data, Params p, Parallel parallel) {
        return run(Tensors.values(data), p, parallel);
    }

    public static Result run(float[] d, Params p) {
        return run(d, p, Parallel.sequential());
    }

    /**
     * IFMR on {@code d}. The percentiles are order statistics found without sorting; the candidates share passes over
     * the data ({@link Lanes#squaredErrors}), each candidate's squared errors still summed in element order, so every
     * loss is the one a pass per candidate gives.
     */
    public static Result run(float[] d, Params p, Parallel parallel) {
        if (d.length == 0) {
            throw new KernelException("IFMR needs at least one activation value; the calibration batch is empty");
        }
        int n = d.length;
        int kMax = (1.0 - p.maxPercentile()) < 1.192092896e-07 ? 1 : n - (int) (p.maxPercentile() * n);
        int kMin = (1.0 - p.minPercentile()) < 1.192092896e-07 ? 1 : n - (int) (p.minPercentile() * n);
        OrderStatistic.Extremes percentiles = OrderStatistic.of(d, kMax, kMin);
        if (percentiles.firstNotFinite() >= 0) {
            int i = percentiles.firstNotFinite();
            throw new KernelException("IFMR calibration data has invalid value " + d[i] + " at flat index " + i);
        }
        float maxV = Math.max(0f, percentiles.largest());
        float minV = Math.min(0f, percentiles.smallest());
        float pMax = maxV;
        float pMin = minV;
        boolean negative = false;
        if (!p.withOffset()) {
            negative = Math.abs(maxV) < Math.abs(minV);
            maxV = Math.max(Math.abs(maxV), Math.abs(minV));
        }
        float[] ratios = ratioCandidates(p.searchStart(), p.searchEnd(), p.searchStep());
        int m = ratios.length;
        float[] scales = new float[m];
        float[] hi = new float[m];
        float[] lo = new float[m];
        int bits = p.bits();
        float limit = p.withOffset() ? (float) ((1L << bits) - 1) : (float) ((1L << (bits - 1)) - (negative ? 0 : 1));
        for (int i = 0; i < m; i++) {
            float c = ratios[i] * maxV;
            float s = p.withOffset() ? (c - minV) / limit : c / limit;
            if (s < Fp32.FLT_EPSILON) {
                s = 1f;
            }
            scales[i] = s;
            hi[i] = c;
            lo[i] = p.withOffset() ? minV : -c;
        }
        double[] sums = new double[m];
        Lanes lanes = Lanes.best();
        int passes = (m + 15) / 16;   // sixteen candidates per pass over the data; passes spread over the threads
        parallel.forRows(passes, 16 * n, (from, to) -> {
            int a = from * 16;
            int b = Math.min(m, to * 16);
            double[] part = new double[b - a];
            lanes.squaredErrors(d, java.util.Arrays.copyOfRange(hi, a, b), java.util.Arrays.copyOfRange(lo, a, b),
                    java.util.Arrays.copyOfRange(scales, a, b), part);
            System.arraycopy(part, 0, sums, a, b - a);
        });
        float[] losses = new float[m];
        int best = 0;
        for (int i = 0; i < m; i++) {
            losses[i] = (float) (sums[i] / n);
            if (losses[i] < losses[best]) {
                best = i;
            }
        }
        float scale = scales[best];
        float offset = p.withOffset() ? -Fp32.rint(minV / scale) - (float) (1L << (bits - 1)) : 0f;
        float clipMax = ((float) ((1L << (bits - 1)) - 1) - offset) * scale;
        float clipMin = ((float) (1L << (bits - 1)) + offset) * -scale;
        return new Result(scale, offset, clipMax, clipMin, pMax, pMin, ratios, losses, best);
    }
}
