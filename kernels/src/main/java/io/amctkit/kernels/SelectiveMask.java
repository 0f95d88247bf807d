package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * 2:4 structured sparsity mask by L1 selection (AMCT {@code selective_mask_gen(w, axis, 4, 2)}): along the Cin axis
 * (Conv2d and Linear: axis 1; ConvTranspose2d: axis 0) each run of 4 consecutive |w| keeps its 2 largest. A short
 * last group is padded with zeros, which compete (so fewer real weights are pruned); an axis of length ≤ 2 keeps
 * everything. Ties follow torch's CPU topk ({@link NthElement}). The mask is 1 to keep, 0 to prune.
 */
public final class SelectiveMask {

    private SelectiveMask() {
    }

    /** The Cin axis AMCT prunes along for a module type. */
    public static int cinAxis(String moduleType) {
        return moduleType.startsWith("ConvTranspose") ? 0 : 1;
    }

    /** Whether a forward with counter {@code forwardCount} (0-based) recomputes the mask (AMCT's update_freq rule). */
    public static boolean refreshes(long updateFreq, long forwardCount) {
        return updateFreq == 0 ? forwardCount == 0 : forwardCount % updateFreq == 0;
    }

    public static INDArray mask(INDArray weight, int axis, Parallel parallel) {
        if (axis < 0 || axis >= weight.rank()) {
            throw new KernelException("2:4 pruning axis " + axis + " does not exist in a weight of rank " + weight.rank()
                    + " (shape " + java.util.Arrays.toString(weight.shape()) + ")");
        }
        INDArray w = Tensors.asFloat32(weight);
        FloatBuffer in = Tensors.floats(w);
        INDArray out = Tensors.newFloat32(w.shape());
        FloatBuffer m = Tensors.floats(out);
        long[] shape = w.shape();
        int c = (int) shape[axis];
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= (int) shape[d];
        }
        int outer = (int) (w.length() / ((long) c * inner));
        if (c <= 2) {
            parallel.forRange(in.limit(), (from, to) -> {
                for (int i = from; i < to; i++) {
                    m.put(i, 1f);
                }
            });
            return out;
        }
        int groups = (c + 3) / 4;
        int lines = outer * inner;
        int innerF = inner;
        parallel.forRange(lines, (from, to) -> {
            for (int line = from; line < to; line++) {
                int o = line / innerF;
                int k = line % innerF;
                int base = o * c * innerF + k;
                for (int g = 0; g < groups; g++) {
                    float[] a = new float[4];
                    for (int j = 0; j < 4; j++) {
                        int ch = g * 4 + j;
                        if (ch < c) {
                            float v = in.get(base + ch * innerF);
                            if (v != v) {
                                throw new KernelException("2:4 mask: weight has NaN at flat index " + (base + ch * innerF));
                            }
                            a[j] = Math.abs(v);
                        }
                    }
                    int[] pruned = NthElement.smallestTwoOfFour(a[0], a[1], a[2], a[3]);
                    for (int j = 0; j < 4; j++) {
                        int ch = g * 4 + j;
                        if (ch < c) {
                            m.put(base + ch * innerF, j == pruned[0] || j == pruned[1] ? 0f : 1f);
                        }
                    }
                }
            }
        });
        return out;
    }
}
