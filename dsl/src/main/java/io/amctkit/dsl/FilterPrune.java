package io.amctkit.dsl;

import io.amctkit.dsl.proto.BalancedL2NormFilterPruner;
import io.amctkit.dsl.proto.FilterPruner;
import io.amctkit.dsl.proto.PruneConfig;

/**
 * Filter (output-channel) pruning by balanced L2 norm ({@code filter_pruner.balanced_l2_norm_filter_prune}):
 * {@code prune_ratio} (0 &lt; r &lt; 1, the share of filters removed) and {@code ascend_optimized} (default true:
 * the kept count is rounded up to a multiple of 16). Immutable.
 */
public final class FilterPrune implements Pruning {

    private final BalancedL2NormFilterPruner proto;

    FilterPrune(BalancedL2NormFilterPruner proto) {
        this.proto = proto;
    }

    static FilterPrune ofRatio(double ratio) {
        float r = (float) ratio;
        AmctRules.pruneRatio(r).ifPresent(problem -> {
            throw new IllegalArgumentException("balanced_l2_norm_filter_prune.prune_ratio: " + problem);
        });
        return new FilterPrune(BalancedL2NormFilterPruner.newBuilder().setPruneRatio(r).build());
    }

    /** Round the kept channel count up to a multiple of 16 for Ascend (AMCT's default: true). */
    public FilterPrune ascendOptimized(boolean ascendOptimized) {
        return new FilterPrune(proto.toBuilder().setAscendOptimized(ascendOptimized).build());
    }

    public float pruneRatio() {
        return proto.getPruneRatio();
    }

    @Override
    public PruneConfig toProto() {
        return PruneConfig.newBuilder()
                .setFilterPruner(FilterPruner.newBuilder().setBalancedL2NormFilterPrune(proto))
                .build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FilterPrune other && proto.equals(other.proto);
    }

    @Override
    public int hashCode() {
        return proto.hashCode();
    }

    @Override
    public String toString() {
        return CfgWriter.fragment("prune_config", toProto());
    }
}
