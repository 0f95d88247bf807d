package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a layer's weight keeps its output channels. Conv, Linear, LSTM/GRU weights are {@code [Cout, ...]};
 * ConvTranspose weights are {@code [Cin, Cout/g, k...]} and AMCT brings Cout to axis 0 first
 * ({@code adjust_deconv_weight_shape}): g = 1 swaps axes 0 and 1; g &gt; 1 views {@code [g, Cin/g, Cout/g, k...]},
 * swaps axes 1 and 2 and merges to {@code [Cout, Cin/g, k...]}.
 */
public record WeightLayout(boolean transposed, int groups) {

    public static final WeightLayout COUT_FIRST = new WeightLayout(false, 1);

    /** The layout of a PyTorch module type's weight. */
    public static WeightLayout of(String moduleType, int groups) {
        boolean transposed = moduleType.startsWith("ConvTranspose");
        return new WeightLayout(transposed, transposed ? Math.max(1, groups) : 1);
    }

    /** The weight with its output channels on axis 0 (a copy for transposed layouts). */
    public INDArray toCoutFirst(INDArray weight) {
        if (!transposed) {
            return weight;
        }
        long[] s = weight.shape();
        if (groups == 1) {
            int[] perm = identity(s.length);
            perm[0] = 1;
            perm[1] = 0;
            return weight.permute(perm).dup('c');
        }
        long[] grouped = new long[s.length + 1];
        grouped[0] = groups;
        grouped[1] = s[0] / groups;
        System.arraycopy(s, 1, grouped, 2, s.length - 1);
        int[] perm = identity(grouped.length);
        perm[1] = 2;
        perm[2] = 1;
        INDArray swapped = weight.dup('c').reshape('c', grouped).permute(perm).dup('c');
        long[] merged = new long[s.length];
        merged[0] = s[1] * groups;
        merged[1] = s[0] / groups;
        System.arraycopy(s, 2, merged, 2, s.length - 2);
        return swapped.reshape('c', merged);
    }

    /** The inverse of {@link #toCoutFirst}: back to the module's own weight shape {@code original}. */
    public INDArray fromCoutFirst(INDArray coutFirst, long[] original) {
        if (!transposed) {
            return coutFirst;
        }
        if (groups == 1) {
            int[] perm = identity(original.length);
            perm[0] = 1;
            perm[1] = 0;
            return coutFirst.permute(perm).dup('c');
        }
        long[] grouped = new long[original.length + 1];
        grouped[0] = groups;
        grouped[1] = original[1];
        grouped[2] = original[0] / groups;
        System.arraycopy(original, 2, grouped, 3, original.length - 2);
        int[] perm = identity(grouped.length);
        perm[1] = 2;
        perm[2] = 1;
        return coutFirst.dup('c').reshape('c', grouped).permute(perm).dup('c').reshape('c', original);
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }
}
