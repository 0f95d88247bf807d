package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Balanced-L2 filter pruning (AMCT {@code bcp}): each producer's per-channel L2 norm divided by numel/shape[0],
 * min-max normalised (all-equal norms give NaN and keep the original order); within each of the prune groups the
 * channels with the smallest norms are removed (stable sort: ties remove the lower index), {@link PruneCount} of them
 * in total. AMCT quirk reproduced: with several producers (Add-coupled layers) only the first producer's norms decide.
 */
public final class FilterPruner {

    /** The keep mask over output channels (1 keep, 0 prune), the pruned indices, each producer's normalised norms, and notes. */
    public record Result(float[] mask, int[] prunedIndices, List<float[]> normalizedNorms, List<String> diagnostics) {
    }

    private FilterPruner() {
    }

    public static Result prune(String layer, List<INDArray> producers, int[] pruneAxes, double pruneRatio, int pruneGroup,
                               boolean ascendOptimized) {
        return prune(layer, producers, pruneAxes, pruneRatio, pruneGroup, ascendOptimized, Parallel.sequential());
    }

    public static Result prune(String layer, List<INDArray> producers, int[] pruneAxes, double pruneRatio, int pruneGroup,
                               boolean ascendOptimized, Parallel parallel) {
        if (producers.isEmpty() || producers.size() != pruneAxes.length) {
            throw new KernelException(layer + ": filter pruning needs one prune axis per producer tensor; got "
                    + producers.size() + " tensors and " + pruneAxes.length + " axes");
        }
        if (!(pruneRatio > 0 && pruneRatio < 1)) {
            throw new KernelException(layer + ": prune_ratio must be > 0 and < 1; got " + pruneRatio
                    + " (AMCT: \"prune_ratio should be larger than 0 and smaller than 1\")");
        }
        for (int i = 0; i < producers.size(); i++) {
            INDArray t = producers.get(i);
            if (t.rank() <= pruneAxes[i]) {
                throw new KernelException(layer + ": producer " + i + " has rank " + t.rank() + ", no prune axis " + pruneAxes[i]);
            }
            long cout = t.size(pruneAxes[i]);
            if (cout < pruneGroup || (!ascendOptimized && cout % pruneGroup != 0)) {
                throw new KernelException(layer + ": producer " + i + " has " + cout + " channels, which the prune group "
                        + pruneGroup + " must divide (AMCT: \"Inner Error of bcp op in prune process\")");
            }
        }
        int channels = (int) producers.get(0).size(pruneAxes[0]);
        int groupLength = channels / pruneGroup;
        int pruneNum = PruneCount.of(channels, pruneRatio, ascendOptimized, pruneGroup);
        int perGroup = pruneNum / pruneGroup;
        List<float[]> norms = new ArrayList<>();
        for (int i = 0; i < producers.size(); i++) {
            norms.add(normalizedNorms(producers.get(i), pruneAxes[i], parallel));
        }
        float[] decide = norms.get(0);
        float[] mask = new float[channels];
        List<Integer> pruned = new ArrayList<>();
        for (int g = 0; g < pruneGroup; g++) {
            Integer[] order = new Integer[groupLength];
            for (int j = 0; j < groupLength; j++) {
                order[j] = j;
            }
            int base = g * groupLength;
            Arrays.sort(order, (a, b) -> pythonCompare(decide[base + a], decide[base + b]));
            for (int j = 0; j < groupLength; j++) {
                boolean cut = j < perGroup;
                mask[base + order[j]] = cut ? 0f : 1f;
            }
        }
        for (int c = 0; c < channels; c++) {
            if (mask[c] == 0f) {
                pruned.add(c);
            }
        }
        List<String> notes = new ArrayList<>();
        if (pruneNum <= 0) {
            notes.add(layer + ": ascend_optimized keeps " + (channels - pruneNum) + " of " + channels
                    + " channels: nothing is pruned (AMCT rounds the kept count up to a multiple of "
                    + PruneCount.ASCEND_MULTIPLE + " without clamping it)");
        } else if (ascendOptimized && pruneNum < Math.rint(channels * pruneRatio)) {
            notes.add(layer + ": ascend_optimized prunes " + pruneNum + " instead of " + (long) Math.rint(channels * pruneRatio)
                    + " channels (kept count rounded up to a multiple of 16)");
        }
        if (producers.size() > 1) {
            notes.add(layer + ": " + producers.size() + " coupled producers, but only the first producer's norms decide"
                    + " (AMCT quirk: the norm lists are concatenated, not combined)");
        }
        if (Float.isNaN(decide[0])) {
            notes.add(layer + ": all channels have the same L2 norm: the normalised norms are NaN and AMCT prunes the"
                    + " lowest channel indices");
        }
        return new Result(mask, pruned.stream().mapToInt(Integer::intValue).toArray(), norms, notes);
    }

    /** Python's {@code sorted(key=...)} on floats: NaN compares false both ways, so the stable sort keeps their order. */
    private static int pythonCompare(float a, float b) {
        return a < b ? -1 : (b < a ? 1 : 0);
    }

    /** Per-channel L2 norm over all axes but {@code axis}, divided by numel/shape[0], then min-max normalised. */
    static float[] normalizedNorms(INDArray tensor, int axis, Parallel parallel) {
        INDArray t = Tensors.asFloat32(tensor);
        java.nio.ByteBuffer bytes = Tensors.bytes(t);
        long[] shape = t.shape();
        int c = (int) shape[axis];
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= (int) shape[d];
        }
        int outer = (int) (t.length() / ((long) c * inner));
        double[] sq = new double[c];
        Lanes lanes = Lanes.best();
        if (outer == 1) {
            // channels on axis 0: each channel is one contiguous run; channels in parallel, 4 independent sums each
            int run = inner;
            parallel.forRows(c, run, (from, to) -> {
                for (int ch = from; ch < to; ch++) {
                    sq[ch] = lanes.sumOfSquares(bytes, ch * run, run);
                }
            });
        } else {
            for (int o = 0; o < outer; o++) {
                for (int ch = 0; ch < c; ch++) {
                    sq[ch] += lanes.sumOfSquares(bytes, (o * c + ch) * inner, inner);
                }
            }
        }
        float groupSize = (float) (t.length() / shape[0]);
        float[] norm = new float[c];
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int ch = 0; ch < c; ch++) {
            norm[ch] = (float) Math.sqrt(sq[ch]) / groupSize;
            min = Math.min(min, norm[ch]);
            max = Math.max(max, norm[ch]);
        }
        for (int ch = 0; ch < c; ch++) {
            norm[ch] = (norm[ch] - min) / (max - min);
        }
        return norm;
    }
}
