package io.amctkit.dsl.resolve;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The effective sparsity of one layer: enabled or skipped, filter pruning (balanced L2: prune_ratio,
 * ascend_optimized) or 2:4 selective pruning (M4N2, update_freq), with the sources that decided them. A skip wins
 * over an override for pruning, so a disabled layer may still carry the override's parameters, as in AMCT's file.
 */
public record PrunePlan(boolean enabled, Source enabledBy, String pruneType, Optional<Float> pruneRatio,
                        boolean ascendOptimized, long updateFreq, Source paramsFrom) {

    public static final String FILTER = "filter_prune";
    public static final String SELECTIVE = "selective_prune";

    public boolean isFilter() {
        return pruneType.equals(FILTER);
    }

    /** AMCT's per-layer JSON keys for sparsity. */
    Map<String, Object> toAmctJson(Map<String, Object> layer) {
        layer.put("regular_prune_enable", enabled);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("prune_type", pruneType);
        if (isFilter()) {
            config.put("algo", "balanced_l2_norm_filter_prune");
            pruneRatio.ifPresent(r -> config.put("prune_ratio", pythonFloat(r)));
            config.put("ascend_optimized", ascendOptimized);
        } else {
            config.put("algo", "l1_selective_prune");
            config.put("n_out_of_m_type", "M4N2");
            config.put("update_freq", updateFreq);
        }
        layer.put("regular_prune_config", config);
        return layer;
    }

    /**
     * AMCT's {@code float(str(np.float32(v)))}: the shortest decimal that reads back as the same float32, as a
     * double (0.3f becomes exactly 0.3).
     */
    static double pythonFloat(float value) {
        if (Float.isNaN(value) || Float.isInfinite(value) || value == 0f) {
            return value;
        }
        BigDecimal exact = new BigDecimal(value);
        for (int digits = 1; digits <= 9; digits++) {
            BigDecimal rounded = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (Float.parseFloat(rounded.toString()) == value) {
                return rounded.doubleValue();
            }
        }
        return value;
    }
}
