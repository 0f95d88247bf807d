package io.amctkit.runtime.session;

import java.util.Optional;

/**
 * What AMCT's record file needs of a layer: the weight scales (one per output channel or one), the activation factors
 * when they are known without calibration (a configured clip range), the removed filters, and the packed 2:4 mask.
 */
public record LayerArtifacts(float[] weightScales, Optional<ActivationFactors> activation, int[] prunedFilters,
                             PackedMask mask) {

    /** scale_d and offset_d of the layer's input, from its clip range (AMCT's ULQ: asymmetric, fixed_min zeroes clip_min). */
    public record ActivationFactors(float scale, int offset, int bits) {
    }

    public static final LayerArtifacts NONE = new LayerArtifacts(new float[0], Optional.empty(), new int[0], PackedMask.NONE);

    public LayerArtifacts {
        weightScales = weightScales.clone();
        prunedFilters = prunedFilters.clone();
    }

    @Override
    public float[] weightScales() {
        return weightScales.clone();
    }

    @Override
    public int[] prunedFilters() {
        return prunedFilters.clone();
    }

    /** The packed 2:4 mask's words (empty without 2:4 pruning). */
    public long[] selectiveMask() {
        return mask.words();
    }

    /** The shape the 2:4 mask covers (empty without 2:4 pruning). */
    public long[] maskShape() {
        return mask.shape();
    }
}
