package io.amctkit.kernels;

/**
 * How many output channels filter pruning removes (AMCT {@code cal_prune_num}): remain = C − round_half_even(C·r);
 * ascend_optimized rounds remain up to a multiple of 16 (0 → 16) with no clamp to C; a prune group G &gt; 1 rounds
 * remain down to a multiple of G (0 → G). The result C − remain may be ≤ 0: nothing is pruned.
 */
public final class PruneCount {

    public static final int ASCEND_MULTIPLE = 16;

    private PruneCount() {
    }

    public static int of(int channels, double pruneRatio, boolean ascendOptimized, int pruneGroup) {
        long remain = channels - (long) Math.rint(channels * pruneRatio);
        if (ascendOptimized) {
            remain = (long) Math.ceil(remain / (double) ASCEND_MULTIPLE) * ASCEND_MULTIPLE;
            if (remain == 0) {
                remain = ASCEND_MULTIPLE;
            }
        }
        if (pruneGroup > 1) {
            remain = Math.floorDiv(remain, pruneGroup) * (long) pruneGroup;
        }
        if (remain == 0) {
            remain = pruneGroup;
        }
        return (int) (channels - remain);
    }
}
