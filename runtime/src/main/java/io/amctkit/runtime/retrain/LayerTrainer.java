package io.amctkit.runtime.retrain;

import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.Tensors;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.kernels.WeightLayout;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * One quantized layer retrained as rows, in three steps: the activation clips and the bias learn through ULQ's backward
 * with the weights at ARQ's nearest levels ({@link LayerReconstruction}); the weights then learn their rounding on
 * ARQ's grid from the inputs as the learned clips quantize them ({@link AdaRound}); last, the bias absorbs the mean
 * output error that is left (its least-squares optimum). A layer whose error would not drop keeps its calibrated state.
 */
final class LayerTrainer {

    /**
     * What the layer is: activation and weight bits, per-channel weights, fixed_min, whether it has a bias, and which
     * weights may be non-zero ([out·k]; null: all — compressed training holds masks and pruned channels at 0).
     */
    record Spec(int activationBits, int weightBits, boolean channelWise, boolean fixedMin, boolean hasBias, boolean[] keep) {
    }

    /** How long and how fast: steps of each phase, rows per step, learning rate, seed. */
    record Budget(int steps, int batch, double learningRate, long seed) {
    }

    /** The retrained weight [out·k] and bias, the clips ULQ uses, the errors before and after, the loss per step. */
    record Outcome(float[] weight, float[] bias, float clipMax, float clipMin, double lossBefore, double lossAfter,
                   List<Double> curve, boolean improved) {
    }

    private LayerTrainer() {
    }

    static Outcome train(Kernels kernels, Spec spec, Budget budget, float[] x, float[] y, int n, int k, int out, float[] weight,
                         float[] bias, float clipMax, float clipMin) {
        float[] w = weight.clone();
        if (spec.keep() != null) {
            for (int i = 0; i < w.length; i++) {
                w[i] = spec.keep()[i] ? w[i] : 0f;
            }
        }
        INDArray wArq = kernels.arq(Tensors.of(w, out, k), WeightLayout.COUT_FIRST, spec.weightBits(),
                spec.channelWise()).fakeQuantized();
        float[] nearest = Tensors.values(wArq);
        wArq.close();
        float[] xq0 = quantize(kernels, spec, x, n, k, clipMax, clipMin);
        double before = RidgeFit.error(xq0, y, n, k, out, nearest, bias);

        LayerReconstruction.Settings first = new LayerReconstruction.Settings(spec.activationBits(), spec.weightBits(),
                spec.channelWise(), spec.fixedMin(), budget.steps(), budget.batch(), budget.learningRate(), 0,
                spec.hasBias(), budget.seed());
        // a clip beyond the inputs' own range only spends levels on values that never come: learning starts inside it
        float lo = 0f;
        float hi = 0f;
        for (float v : x) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        float startMax = hi > 0f ? Math.min(clipMax, hi) : clipMax;
        float startMin = Math.max(clipMin, lo);
        LayerReconstruction.Result clips = new LayerReconstruction(kernels, first, k, out).train(x, y, n, w, bias, startMax, startMin);
        List<Double> curve = new ArrayList<>(clips.losses());

        float[] xq = quantize(kernels, spec, x, n, k, clips.clipMax(), clips.clipMin());
        AdaRound.Settings rounding = new AdaRound.Settings(spec.weightBits(), spec.channelWise(), budget.steps(), budget.batch(),
                10 * budget.learningRate(), 0.01, budget.seed() + 1);
        AdaRound.Result rounded = new AdaRound(kernels, rounding, k, out).train(xq, y, n, w, clips.bias(), spec.keep());
        curve.addAll(rounded.losses());

        float[] b = clips.bias().clone();
        if (spec.hasBias()) {
            INDArray residual = Tensors.of(y, n, out)
                    .subi(Tensors.of(xq, n, k).mmul(Tensors.of(rounded.weight(), out, k).transpose()));
            float[] mean = Tensors.values(residual.mean(0));
            System.arraycopy(mean, 0, b, 0, out);
        }
        double after = RidgeFit.error(xq, y, n, k, out, rounded.weight(), b);
        if (!(after < before)) {
            return new Outcome(weight, bias, clipMax, clipMin, before, before, curve, false);
        }
        return new Outcome(rounded.weight(), b, clips.clipMax(), clips.clipMin(), before, after, curve, true);
    }

    /** The inputs as ULQ with these clips passes them on (unchanged when activations are not quantized). */
    private static float[] quantize(Kernels kernels, Spec spec, float[] x, int n, int k, float clipMax, float clipMin) {
        if (spec.activationBits() <= 0) {
            return x;
        }
        UlqActivation.Forward f = kernels.ulqForward(Tensors.of(x, n, k), ClipState.of(clipMax, clipMin),
                spec.activationBits(), spec.fixedMin());
        float[] q = Tensors.values(f.output());
        f.output().close();
        return q;
    }
}
