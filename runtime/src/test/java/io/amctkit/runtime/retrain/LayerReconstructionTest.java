package io.amctkit.runtime.retrain;

import io.amctkit.kernels.ArqWeights;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.kernels.WeightLayout;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradients of one reconstruction step are AMCT's: the float path agrees with finite differences; the quantized
 * path with a plain-loop chain rule through ARQ (straight through) and ULQ (AMCT's backward kernel, checked against
 * AMCT's vectors); a convolution as im2col rows computes the convolution; training lowers the error.
 */
class LayerReconstructionTest {

    static float[] random(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    static double loss(float[] x, float[] y, float[] w, float[] b, int rows, int in, int out) {
        double s = 0;
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double v = b[o];
                for (int i = 0; i < in; i++) {
                    v += (double) x[r * in + i] * w[o * in + i];
                }
                double d = v - y[r * out + o];
                s += d * d;
            }
        }
        return s / (rows * out);
    }

    @Test
    void theFloatPathAgreesWithFiniteDifferences() {
        Random r = new Random(1);
        int rows = 6;
        int in = 5;
        int out = 3;
        float[] x = random(r, rows * in, 1);
        float[] y = random(r, rows * out, 1);
        float[] w = random(r, out * in, 0.5);
        float[] b = random(r, out, 0.1);
        try (Kernels k = Backends.select().kernels(1)) {
            LayerReconstruction rec = new LayerReconstruction(k, new LayerReconstruction.Settings(0, 0, false, false, 1, rows, 1e-3, 1e-3, true, 1), in, out);
            LayerReconstruction.Gradients g = rec.gradients(x, y, rows, w, b, ClipState.of(1, -1), new float[2]);
            assertEquals(loss(x, y, w, b, rows, in, out), g.loss(), 1e-5);
            double h = 1e-3;
            for (int i = 0; i < w.length; i++) {
                float[] plus = w.clone();
                float[] minus = w.clone();
                plus[i] += h;
                minus[i] -= h;
                double fd = (loss(x, y, plus, b, rows, in, out) - loss(x, y, minus, b, rows, in, out)) / (2 * h);
                assertEquals(fd, g.weight()[i], 1e-3 * (1 + Math.abs(fd)), "dW[" + i + "]");
            }
            for (int i = 0; i < b.length; i++) {
                float[] plus = b.clone();
                float[] minus = b.clone();
                plus[i] += h;
                minus[i] -= h;
                double fd = (loss(x, y, w, plus, rows, in, out) - loss(x, y, w, minus, rows, in, out)) / (2 * h);
                assertEquals(fd, g.bias()[i], 1e-3 * (1 + Math.abs(fd)), "db[" + i + "]");
            }
        }
    }

    @Test
    void theQuantizedPathIsThePlainLoopChainThroughArqAndUlq() {
        Random r = new Random(2);
        int rows = 7;
        int in = 6;
        int out = 4;
        float[] x = random(r, rows * in, 2);
        float[] y = random(r, rows * out, 1);
        float[] w = random(r, out * in, 0.5);
        float[] b = random(r, out, 0.1);
        ClipState clips = ClipState.of(2.5f, -1.5f);
        try (Kernels k = Backends.select().kernels(1)) {
            LayerReconstruction rec = new LayerReconstruction(k, new LayerReconstruction.Settings(8, 4, true, false, 1, rows, 1e-3, 1e-3, true, 1), in, out);
            LayerReconstruction.Gradients g = rec.gradients(x, y, rows, w, b, clips, new float[2]);
            // plain loops on AMCT's quantized operands
            float[] xq = k.ulqForward(Nd4j.create(x, new long[]{rows, in}, 'c'), clips, 8, false).output().data().asFloat();
            ArqWeights.Result arq = k.arq(Nd4j.create(w, new long[]{out, in}, 'c'), WeightLayout.COUT_FIRST, 4, true);
            float[] wq = arq.fakeQuantized().data().asFloat();
            double[] dOut = new double[rows * out];
            double loss = 0;
            for (int i = 0; i < rows; i++) {
                for (int o = 0; o < out; o++) {
                    double v = b[o];
                    for (int j = 0; j < in; j++) {
                        v += (double) xq[i * in + j] * wq[o * in + j];
                    }
                    double d = v - y[i * out + o];
                    loss += d * d;
                    dOut[i * out + o] = 2 * d / (rows * out);
                }
            }
            assertEquals(loss / (rows * out), g.loss(), 1e-5);
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < in; j++) {
                    double dw = 0;
                    for (int i = 0; i < rows; i++) {
                        dw += dOut[i * out + o] * xq[i * in + j];
                    }
                    assertEquals(dw, g.weight()[o * in + j], 1e-5, "dW straight through ARQ");
                }
                double db = 0;
                for (int i = 0; i < rows; i++) {
                    db += dOut[i * out + o];
                }
                assertEquals(db, g.bias()[o], 1e-5);
            }
            float[] dXq = new float[rows * in];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < in; j++) {
                    double s = 0;
                    for (int o = 0; o < out; o++) {
                        s += dOut[i * out + o] * wq[o * in + j];
                    }
                    dXq[i * in + j] = (float) s;
                }
            }
            UlqActivation.Gradients ug = k.ulqBackward(Nd4j.create(x, new long[]{rows, in}, 'c'), Nd4j.create(dXq, new long[]{rows, in}, 'c'),
                    2.5f, -1.5f, 8);
            assertEquals(ug.gradClipMax(), g.clipMax(), 1e-5 * (1 + Math.abs(ug.gradClipMax())), "clip_max by ULQ's backward");
            assertEquals(ug.gradClipMin(), g.clipMin(), 1e-5 * (1 + Math.abs(ug.gradClipMin())), "clip_min by ULQ's backward");
            assertTrue(ug.gradClipMax() != 0 || ug.gradClipMin() != 0, "the clips get a gradient");
        }
    }

    @Test
    void aConvolutionAsIm2colRowsIsTheConvolution() {
        Random r = new Random(3);
        int n = 2;
        int cin = 3;
        int h = 6;
        int wd = 5;
        int cout = 4;
        Im2col im = new Im2col(cin, h, wd, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1);
        float[] x = random(r, n * cin * h * wd, 1);
        float[] w = random(r, cout * cin * 9, 0.3);
        float[] rows = im.rows(x, n);
        int ho = im.outHeight();
        int wo = im.outWidth();
        assertEquals(3, ho);
        assertEquals(5, wo);
        for (int s = 0; s < n; s++) {
            for (int o = 0; o < cout; o++) {
                for (int i = 0; i < ho; i++) {
                    for (int j = 0; j < wo; j++) {
                        double direct = 0;
                        for (int c = 0; c < cin; c++) {
                            for (int ki = 0; ki < 3; ki++) {
                                for (int kj = 0; kj < 3; kj++) {
                                    int yy = i * 2 - 1 + ki;
                                    int xx = j - 1 + kj;
                                    if (yy >= 0 && yy < h && xx >= 0 && xx < wd) {
                                        direct += (double) x[((s * cin + c) * h + yy) * wd + xx] * w[((o * cin + c) * 3 + ki) * 3 + kj];
                                    }
                                }
                            }
                        }
                        int row = (s * ho + i) * wo + j;
                        double viaRows = 0;
                        for (int q = 0; q < im.rowLength(); q++) {
                            viaRows += (double) rows[row * im.rowLength() + q] * w[o * im.rowLength() + q];
                        }
                        assertEquals(direct, viaRows, 1e-5);
                    }
                }
            }
        }
    }

    @Test
    void learningTheBiasAndClipsLowersTheErrorOfInt4Weights() {
        Random r = new Random(4);
        int rows = 256;
        int in = 16;
        int out = 8;
        float[] x = random(r, rows * in, 1);
        float[] w = random(r, out * in, 0.4);
        float[] b = random(r, out, 0.1);
        float[] y = new float[rows * out];
        for (int i = 0; i < rows; i++) {
            for (int o = 0; o < out; o++) {
                double v = b[o];
                for (int j = 0; j < in; j++) {
                    v += (double) x[i * in + j] * w[o * in + j];
                }
                y[i * out + o] = (float) v;
            }
        }
        try (Kernels k = Backends.select().kernels(1)) {
            LayerReconstruction.Settings s = new LayerReconstruction.Settings(8, 4, false, false, 300, 64, 3e-3, 0, true, 5);
            LayerReconstruction rec = new LayerReconstruction(k, s, in, out);
            double before = rec.gradients(x, y, rows, w, b, ClipState.of(3, -3), new float[2]).loss();
            LayerReconstruction.Result result = rec.train(x, y, rows, w, b, 3, -3);
            double after = rec.gradients(x, y, rows, result.weight(), result.bias(),
                    ClipState.of(result.clipMax(), result.clipMin()), new float[2]).loss();
            assertTrue(after < before, "INT4 reconstruction error " + before + " -> " + after);
            assertEquals(300, result.losses().size());
        }
    }

    /**
     * AdaRound on ARQ's grid, on correlated inputs (as real activations are): a lower INT4 reconstruction error than
     * ARQ's nearest rounding, and weights ARQ maps to themselves bit for bit (same scale, same levels).
     */
    @Test
    void learnedRoundingBeatsNearestAndStaysOnArqsGrid() {
        Random r = new Random(4);
        int rows = 256;
        int in = 16;
        int out = 8;
        float[] z = random(r, rows * in, 1);
        float[] mix = random(r, in * in, 1);
        float[] x = new float[rows * in];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < in; j++) {
                double v = 0;
                for (int q = 0; q < in; q++) {
                    v += z[i * in + q] * mix[q * in + j];
                }
                x[i * in + j] = (float) (v / 4);
            }
        }
        float[] w = random(r, out * in, 0.4);
        float[] b = new float[out];
        float[] y = new float[rows * out];
        for (int i = 0; i < rows; i++) {
            for (int o = 0; o < out; o++) {
                double v = 0;
                for (int j = 0; j < in; j++) {
                    v += (double) x[i * in + j] * w[o * in + j];
                }
                y[i * out + o] = (float) v;
            }
        }
        try (Kernels k = Backends.select().kernels(1)) {
            LayerReconstruction exact = new LayerReconstruction(k, new LayerReconstruction.Settings(0, 4, true, false, 1, rows, 0, 0, true, 1), in, out);
            double nearest = exact.gradients(x, y, rows, w, b, ClipState.of(3, -3), new float[2]).loss();
            AdaRound.Result learned = new AdaRound(k, new AdaRound.Settings(4, true, 1000, 64, 1e-2, 0.01, 3), in, out).train(x, y, rows, w, b);
            double after = exact.gradients(x, y, rows, learned.weight(), b, ClipState.of(3, -3), new float[2]).loss();
            assertTrue(after < 0.8 * nearest, "learned rounding " + after + " vs nearest " + nearest);
            float[] again = k.arq(Nd4j.create(learned.weight(), new long[]{out, in}, 'c'), WeightLayout.COUT_FIRST, 4, true)
                    .fakeQuantized().data().asFloat();
            for (int i = 0; i < again.length; i++) {
                assertEquals(Float.floatToIntBits(learned.weight()[i]), Float.floatToIntBits(again[i]), "on ARQ's grid at " + i);
            }
        }
    }
}
