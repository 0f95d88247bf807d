package io.amctkit.runtime.retrain;

import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.Tensors;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.kernels.WeightLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Layer-wise reconstruction through AMCT's learnable quantizers: a layer seen as rows (a Linear's samples, or a
 * convolution's output positions after im2col) learns to reproduce the float layer's outputs from its inputs, by Adam
 * on the mean squared error. Its input passes ULQ (the clips learn by ULQ's own backward), its weight ARQ (the weight
 * learns straight through it), and the bias learns directly. Every forward and backward of a quantizer is AMCT's kernel.
 */
public final class LayerReconstruction {

    /**
     * What is trained and how: activation bits (0: the input is not quantized), weight bits (0: not quantized),
     * per-channel weights, fixed_min (clip_min held at 0), steps, mini-batch rows, the learning rate of the bias and
     * clips (the clips' relative to their initial range) and that of the weights (0 keeps them: ARQ re-derives its
     * scale from the weights every forward), whether the layer has a bias to learn, seed.
     */
    public record Settings(int activationBits, int weightBits, boolean channelWise, boolean fixedMin, int steps, int batch,
                           double learningRate, double weightLearningRate, boolean learnBias, long seed) {
    }

    /** The learned state: weight [out, in], bias [out], the clips ULQ uses after training, and the loss of every step. */
    public record Result(float[] weight, float[] bias, float clipMax, float clipMin, List<Double> losses) {
    }

    /** One step's gradients (for tests): weight, bias, clip_max, clip_min, and the loss. */
    public record Gradients(float[] weight, float[] bias, float clipMax, float clipMin, double loss) {
    }

    private final Kernels kernels;
    private final Settings settings;
    private final int in;
    private final int out;

    public LayerReconstruction(Kernels kernels, Settings settings, int in, int out) {
        this.kernels = kernels;
        this.settings = settings;
        this.in = in;
        this.out = out;
    }

    /**
     * Trains from {@code weight} [out·in], {@code bias} [out] and the initial clips on inputs {@code x} (rows × in) and
     * targets {@code y} (rows × out, the float layer's outputs on float inputs).
     */
    public Result train(float[] x, float[] y, int rows, float[] weight, float[] bias, float clipMax, float clipMin) {
        float[] w = weight.clone();
        float[] b = bias.clone();
        INDArray held = settings.weightLearningRate() > 0 ? null : quantizedWeight(w);   // weights held: ARQ once
        float[] clips = {clipMax, settings.fixedMin() ? 0f : clipMin};
        float[] pre = clips.clone();
        Adam adamW = new Adam(w.length, settings.weightLearningRate());
        Adam adamB = new Adam(b.length, settings.learnBias() ? settings.learningRate() : 0);
        Adam adamClip = new Adam(2, settings.learningRate() * Math.max(Math.abs(clipMax), Math.abs(clipMin)));
        Random random = new Random(settings.seed());
        List<Double> losses = new ArrayList<>();
        int batch = Math.min(settings.batch(), rows);
        float[] xb = new float[batch * in];
        float[] yb = new float[batch * out];
        for (int step = 0; step < settings.steps(); step++) {
            for (int r = 0; r < batch; r++) {
                int row = random.nextInt(rows);
                System.arraycopy(x, row * in, xb, r * in, in);
                System.arraycopy(y, row * out, yb, r * out, out);
            }
            Gradients g = gradients(xb, yb, batch, w, b, new ClipState(clips[0], clips[1], pre[0], pre[1]), pre,
                    held != null ? held : quantizedWeight(w), held == null);
            losses.add(g.loss());
            if (settings.weightLearningRate() > 0) {
                adamW.step(w, g.weight());
            }
            adamB.step(b, g.bias());
            if (settings.activationBits() > 0) {
                float[] c = {clips[0], clips[1]};
                adamClip.step(c, new float[]{g.clipMax(), settings.fixedMin() ? 0f : g.clipMin()});
                clips[0] = c[0];
                clips[1] = settings.fixedMin() ? 0f : c[1];
            }
        }
        if (settings.activationBits() > 0) {   // the clips the next forward uses (ULQ falls back to *_pre when degenerate)
            clips = UlqActivation.effectiveClips(new ClipState(clips[0], clips[1], pre[0], pre[1]), settings.fixedMin());
        }
        return new Result(w, b, clips[0], clips[1], losses);
    }

    /** The weight as the forward uses it: ARQ's fake quant (or the float weight when weights are not quantized). */
    private INDArray quantizedWeight(float[] w) {
        INDArray ws = Tensors.of(w, out, in);
        return settings.weightBits() > 0
                ? kernels.arq(ws, WeightLayout.COUT_FIRST, settings.weightBits(), settings.channelWise()).fakeQuantized() : ws;
    }

    /**
     * The loss and gradients of one mini-batch: out = ULQ(x)·ARQ(w)ᵀ + b, loss = mean((out − y)²). {@code used}
     * receives the effective clips of this forward (AMCT's next {@code *_pre}).
     */
    public Gradients gradients(float[] x, float[] y, int rows, float[] w, float[] b, ClipState clips, float[] used) {
        return gradients(x, y, rows, w, b, clips, used, quantizedWeight(w), true);
    }

    /** As above, on the weight as the forward uses it; the weight's gradient only when asked (empty else). */
    private Gradients gradients(float[] x, float[] y, int rows, float[] w, float[] b, ClipState clips, float[] used, INDArray wq,
                                boolean weightGradient) {
        INDArray xs = Tensors.of(x, rows, in);
        INDArray xq;
        float cmax = clips.clipMax();
        float cmin = clips.clipMin();
        if (settings.activationBits() > 0) {
            UlqActivation.Forward f = kernels.ulqForward(xs, clips, settings.activationBits(), settings.fixedMin());
            xq = f.output();
            cmax = f.clipMax();
            cmin = f.clipMin();
            used[0] = cmax;
            used[1] = cmin;
        } else {
            xq = xs;
        }
        INDArray diff = Tensors.of(y, rows, out);
        org.nd4j.linalg.factory.Nd4j.gemm(xq, wq, diff, false, true, 1.0, -1.0);   // xq·wqᵀ − y
        float[] scratch = new float[rows * out];
        double loss = Rows.addBiasAndLoss(diff, b, scratch);
        double factor = 2.0 / ((double) rows * out);
        float[] dB = Rows.columnSums(scratch, rows, out, factor);
        INDArray dOut = diff.muli(factor);
        float[] dW = weightGradient ? Tensors.values(dOut.transpose().mmul(xq)) : new float[0];      // straight through ARQ
        float gMax = 0;
        float gMin = 0;
        if (settings.activationBits() > 0) {
            INDArray dXq = dOut.mmul(wq);
            UlqActivation.Gradients ug = kernels.ulqBackward(xs, Tensors.asFloat32(dXq), cmax, cmin, settings.activationBits());
            gMax = ug.gradClipMax();
            gMin = ug.gradClipMin();
        }
        return new Gradients(dW, dB, gMax, gMin, loss);
    }

    /** Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) over one parameter vector. */
    static final class Adam {
        private final double lr;
        private final double[] m;
        private final double[] v;
        private int t;

        Adam(int size, double lr) {
            this.lr = lr;
            this.m = new double[size];
            this.v = new double[size];
        }

        void step(float[] param, float[] grad) {
            t++;
            double c1 = 1 - Math.pow(0.9, t);
            double c2 = 1 - Math.pow(0.999, t);
            for (int i = 0; i < param.length; i++) {
                m[i] = 0.9 * m[i] + 0.1 * grad[i];
                v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i];
                param[i] -= (float) (lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8));
            }
        }
    }
}
