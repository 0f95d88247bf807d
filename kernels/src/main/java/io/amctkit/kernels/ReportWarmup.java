package io.amctkit.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs a report's kernels (ARQ's summary, per tensor and per channel, and the packed 2:4 mask, on float32 and bfloat16
 * weights) on a small weight until the JIT has compiled them: the Vector API's loops crawl until then, and on a
 * checkpoint's first layers that costs seconds. Meant for an otherwise idle core while a model is opened.
 */
public final class ReportWarmup {

    private ReportWarmup() {
    }

    /** Compiles the kernels on one thread; a second or two of it, results discarded. */
    public static void run() {
        INDArray f32 = Tensors.newFloat32(32, 4096);
        java.nio.FloatBuffer v = Tensors.floats(f32);
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < v.limit(); i++) {
            v.put(i, (float) (r.nextGaussian() * 0.02));
        }
        INDArray bf16 = f32.castTo(DataType.BFLOAT16);
        Parallel one = Parallel.sequential();
        for (int round = 0; round < 12; round++) {
            for (INDArray w : new INDArray[]{bf16, f32}) {
                ArqWeights.summary(w, WeightLayout.COUT_FIRST, 8, false, one);
                ArqWeights.summary(w, WeightLayout.COUT_FIRST, 8, true, one);
                SelectiveMask.packed(w, 1, one);
            }
        }
    }
}
