package io.amctkit.runtime.retrain;

import io.amctkit.kernels.Tensors;
import io.amctkit.kernels.ArqWeights;
import io.amctkit.kernels.Kernels;
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
        double[] v = new double[n];
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = scales[scales.length == 1 ? 0 : i / in];
            double t = weight[i] / s[i];
            floor[i] = (float) Math.floor(t);
            double rest = t - floor[i];   // start where the weight is: h(v) = rest
            double p = Math.min(Math.max((rest - GAMMA) / (ZETA - GAMMA), 1e-6), 1 - 1e-6);
            v[i] = Math.log(p / (1 - p));
        }
        Random random = new Random(settings.seed());
        int batch = Math.min(settings.batch(), rows);
        float[] xb = new float[batch * in];
        float[] yb = new float[batch * out];
        double[] m = new double[n];
        double[] m2 = new double[n];
        List<Double> losses = new ArrayList<>();
        float[] wq = new float[n];
        float[] h = new float[n];
        float[] dh = new float[n];
        int chunks = Math.max(1, n / CHUNK + (n % CHUNK == 0 ? 0 : 1));
        for (int step = 0; step < settings.steps(); step++) {
            double beta = 20 - (20 - 2) * step / (double) Math.max(1, settings.steps() - 1);   // annealed: soft, then decided
            java.util.stream.IntStream.range(0, chunks).parallel().forEach(c -> {
                for (int i = c * CHUNK, end = Math.min(n, (c + 1) * CHUNK); i < end; i++) {
                    double sig = 1 / (1 + Math.exp(-v[i]));
                    double raw = sig * (ZETA - GAMMA) + GAMMA;
                    h[i] = (float) Math.min(1, Math.max(0, raw));
                    dh[i] = raw > 0 && raw < 1 ? (float) (sig * (1 - sig) * (ZETA - GAMMA)) : 0f;
                    wq[i] = keep != null && !keep[i] ? 0f : s[i] * Math.min(qmax, Math.max(qmin, floor[i] + h[i]));
                }
            });
            for (int r = 0; r < batch; r++) {
                int row = random.nextInt(rows);
                System.arraycopy(x, row * in, xb, r * in, in);
                System.arraycopy(y, row * out, yb, r * out, out);
            }
            INDArray xs = Tensors.of(xb, batch, in);
            INDArray o = xs.mmul(Tensors.of(wq, out, in).transpose())
                    .addiRowVector(Tensors.of(bias, out));
            INDArray diff = o.subi(Tensors.of(yb, batch, out));
            double norm = diff.norm2Number().doubleValue();
            losses.add(norm * norm / ((double) batch * out));
            float[] dWq = Tensors.values(diff.muli(2.0 / ((double) batch * out)).transpose().mmul(xs));
            double c1 = 1 - Math.pow(0.9, step + 1);
            double c2 = 1 - Math.pow(0.999, step + 1);
            double lr = settings.learningRate();
            double lambda = settings.lambda();
            java.util.stream.IntStream.range(0, chunks).parallel().forEach(c -> {
                for (int i = c * CHUNK, end = Math.min(n, (c + 1) * CHUNK); i < end; i++) {
                    double g = 0;
                    if (dh[i] != 0f && (keep == null || keep[i])) {   // outside (0, 1) the rectified sigmoid has no gradient
                        double level = floor[i] + h[i];
                        double inside = level > qmin && level < qmax ? 1 : 0;
                        double d = 2 * h[i] - 1;
                        double reg = -lambda * beta * Math.pow(Math.abs(d), beta - 1) * Math.signum(d) * 2;
                        g = (dWq[i] * s[i] * inside + reg) * dh[i];
                    }
                    m[i] = 0.9 * m[i] + 0.1 * g;
                    m2[i] = 0.999 * m2[i] + 0.001 * g * g;
                    v[i] -= lr * (m[i] / c1) / (Math.sqrt(m2[i] / c2) + 1e-8);
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
}
