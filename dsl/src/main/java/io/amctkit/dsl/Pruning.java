package io.amctkit.dsl;

import io.amctkit.dsl.proto.PruneConfig;

/**
 * A sparsity algorithm ({@code prune_config}): filter pruning ({@link FilterPrune}) or 2:4 structured pruning
 * ({@link SelectivePrune}).
 */
public sealed interface Pruning permits FilterPrune, SelectivePrune {

    PruneConfig toProto();

    /** Wraps a parsed {@code prune_config} that names an algorithm. */
    static Pruning of(PruneConfig proto) {
        if (proto.hasFilterPruner()) {
            return new FilterPrune(proto.getFilterPruner().getBalancedL2NormFilterPrune());
        }
        if (proto.hasNOutOfMPruner()) {
            return new SelectivePrune(proto.getNOutOfMPruner().getL1SelectivePrune());
        }
        throw new IllegalArgumentException("prune_config names no algorithm: choose filter_pruner or n_out_of_m_pruner");
    }
}
