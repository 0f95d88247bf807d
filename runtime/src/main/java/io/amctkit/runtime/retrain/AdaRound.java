package io.amctkit.runtime.retrain;

import io.amctkit.kernels.ArqWeights;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.Tensors;
import io.amctkit.kernels.WeightLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Rounding learned for a layer's reconstruction (AdaRound, Nagel et al. 2020) on ARQ's own grid: each weight chooses
 * between the grid level below and above it, through a rectified-sigmoid relaxation trained by Adam on the layer's
 * output error plus a regulariser that pushes every choice to 0 or 1. The scale is the one AMCT's ARQ computes, and
 * the result lies on that grid with each channel's largest weight where it was, so ARQ quantizes it to exactly these
 * levels. Straight-through updates of the weights themselves do not converge here: a flip moves a weight a whole grid
 * step, which their first-order gradient does not see.
 */
public final class AdaRound {

    private static final double ZETA = 1.1;
    private static final double GAMMA = -0.1;
    /** Weights per parallel task of the element-wise updates. */
    private static final int CHUNK = 16_384;

    /** Steps, mini-batch rows, learning rate, regulariser weight, seed. */
    public record Settings(int bits, boolean channelWise, int steps, int batch, double learningRate, double lambda, long seed) {
    }

    /** The weights on ARQ's grid [out·in] and the output error per step. */
    public record Result(float[] weight, List<Double> losses) {
    }

    private final Kernels kernels;
    private final Settings settings;
    private final int in;
    private final int out;

    public AdaRound(Kernels kernels, Settings settings, int in, int out) {
        this.kernels = kernels;
        this.settings = settings;
        this.in = in;
        this.out = out;
    }

    /** Learns the rounding of {@code weight} [out·in] so that x·Wqᵀ + b reproduces {@code y} (rows × out). */
    public Result train(float[] x, float[] y, int rows, float[] weight, float[] bias) {
        return train(x, y, rows, weight, bias, null);
    }

    /**
     * The same with the weights where {@code keep} is false held at 0 (2:4 masks, pruned filters and cut input channels
     * of compressed training stay fixed); null keeps every weight trainable.
     */
    public Result train(float[] x, float[] y, int rows, float[] weight, float[] bias, boolean[] keep) {
        ArqWeights.Result arq = kernels.arq(Tensors.of(weight, out, in), WeightLayout.COUT_FIRST, settings.bits(),
                settings.channelWise());
        float[] scales = arq.factors().scale();
        float qmin = -(1 << (settings.bits() - 1));
        float qmax = (1 << (settings.bits() - 1)) - 1;
        int n = weight.length;
        float[] floor = new float[n];
        float[] v = new float[n];
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = scales[scales.length == 1 ? 0 : i / in];
            double t = weight[i] / s[i];
            floor[i] = (float) Math.floor(t);
            double rest = t - floor[i];   // start where the weight is: h(v) = rest
            double p = Math.min(Math.max((rest - GAMMA) / (ZETA - GAMMA), 1e-6), 1 - 1e-6);
            v[i] = (float) Math.log(p / (1 - p));
        }
        Random random = new Random(settings.seed());
        int batch = Math.min(settings.batch(), rows);
        float[] xb = new float[batch * in];
        float[] yb = new float[batch * out];
        float[] m = new float[n];
        float[] m2 = new float[n];
        List<Double> losses = new ArrayList<>();
        Relaxed r = new Relaxed(new float[n], new float[n], new float[n], s, floor, keep, qmin, qmax);
        int chunks = Math.max(1, n / CHUNK + (n % CHUNK == 0 ? 0 : 1));
        java.util.stream.IntStream.range(0, chunks).parallel().forEach(c -> {
            for (int i = c * CHUNK, end = Math.min(n, (c + 1) * CHUNK); i < end; i++) {
                r.set(i, v[i]);
            }
        });
        INDArray xs = Tensors.newFloat32(batch, in);
        INDArray wqs = Tensors.newFloat32(out, in);
        INDArray diff = Tensors.newFloat32(batch, out);
        INDArray grad = Tensors.newFloat32(out, in);
        float[] db = new float[batch * out];
        float[] dWq = new float[n];
        for (int step = 0; step < settings.steps(); step++) {
            double beta = 20 - (20 - 2) * step / (double) Math.max(1, settings.steps() - 1);   // annealed: soft, then decided
            for (int row = 0; row < batch; row++) {
                int pick = random.nextInt(rows);
                System.arraycopy(x, pick * in, xb, row * in, in);
                System.arraycopy(y, pick * out, yb, row * out, out);
            }
            // one set of buffers for every step; BLAS reads the transposes in place
            Tensors.floats(xs).put(0, xb);
            Tensors.floats(wqs).put(0, r.wq);
            Tensors.floats(diff).put(0, yb);
            Nd4j.gemm(xs, wqs, diff, false, true, 1.0, -1.0);   // diff = x·Wqᵀ − y
            losses.add(Rows.addBiasAndLoss(diff, bias, db));   // small steps in Java: each ND4J op costs about a millisecond
            Nd4j.gemm(diff, xs, grad, true, false, 2.0 / ((double) batch * out), 0.0);   // dL/dWq
            Tensors.floats(grad).get(0, dWq);
            float lrm = (float) (settings.learningRate() / (1 - Math.pow(0.9, step + 1)));   // Adam's bias corrections folded in
            float c2 = (float) (1 / (1 - Math.pow(0.999, step + 1)));
            float regScale = (float) (-settings.lambda() * beta * 2);
            PowerTable power = new PowerTable(beta - 1);
            // one pass per step: Adam on v from this step's gradient, then v's relaxed rounding for the next forward
            java.util.stream.IntStream.range(0, chunks).parallel().forEach(c -> {
                for (int i = c * CHUNK, end = Math.min(n, (c + 1) * CHUNK); i < end; i++) {
                    float g = 0f;
                    float dhi = r.dh[i];
                    if (dhi != 0f && (keep == null || keep[i])) {   // outside (0, 1) the rectified sigmoid has no gradient
                        float hi = r.h[i];
                        float level = floor[i] + hi;
                        float data = level > qmin && level < qmax ? dWq[i] * s[i] : 0f;
                        float d = 2 * hi - 1;
                        float reg = regScale * power.at(Math.abs(d)) * Math.signum(d);
                        g = (data + reg) * dhi;
                    }
                    float mi = 0.9f * m[i] + 0.1f * g;
                    float m2i = 0.999f * m2[i] + 0.001f * g * g;
                    m[i] = mi;
                    m2[i] = m2i;
                    v[i] -= lrm * mi / ((float) Math.sqrt(m2i * c2) + 1e-8f);
                    r.set(i, v[i]);
                }
            });
        }
        // decide: up or down; each channel's largest weight keeps its level, so ARQ derives the same scale
        float[] decided = new float[n];
        for (int i = 0; i < n; i++) {
            double sig = 1 / (1 + Math.exp(-v[i]));
            double hi = Math.min(1, Math.max(0, sig * (ZETA - GAMMA) + GAMMA)) >= 0.5 ? 1 : 0;
            decided[i] = keep != null && !keep[i] ? 0f : s[i] * Math.min(qmax, Math.max(qmin, floor[i] + (float) hi));
        }
        float[] levels = Tensors.values(arq.fakeQuantized());
        int groups = scales.length;
        int per = n / groups;
        for (int c = 0; c < groups; c++) {
            int big = c * per;
            for (int i = c * per; i < (c + 1) * per; i++) {
                big = Math.abs(weight[i]) > Math.abs(weight[big]) ? i : big;
            }
            if (keep == null || keep[big]) {
                decided[big] = levels[big];
            }
        }
        return new Result(decided, losses);
    }

    /** The relaxed rounding of every weight: h(v) in [0, 1], its derivative, and the weight it gives. */
    private record Relaxed(float[] h, float[] dh, float[] wq, float[] s, float[] floor, boolean[] keep, float qmin, float qmax) {
        void set(int i, float v) {
            float sig = 1f / (1f + (float) Math.exp(-v));
            float raw = sig * (float) (ZETA - GAMMA) + (float) GAMMA;
            h[i] = Math.min(1f, Math.max(0f, raw));
            dh[i] = raw > 0f && raw < 1f ? sig * (1 - sig) * (float) (ZETA - GAMMA) : 0f;
            wq[i] = keep != null && !keep[i] ? 0f : s[i] * Math.min(qmax, Math.max(qmin, floor[i] + h[i]));
        }
    }

    /** t^e on [0, 1] by linear interpolation in a table: the regulariser's gradient without a pow per weight and step. */
    private static final class PowerTable {
        private static final int SIZE = 4096;
        private final float[] values = new float[SIZE + 1];

        PowerTable(double exponent) {
            for (int j = 0; j <= SIZE; j++) {
                values[j] = (float) Math.pow(j / (double) SIZE, exponent);
            }
        }

        float at(float t) {
            float p = Math.min(t, 1f) * SIZE;
            int j = Math.min((int) p, SIZE - 1);
            return values[j] + (p - j) * (values[j + 1] - values[j]);
        }
    }
}
