package io.amctkit.dsl;

import io.amctkit.dsl.proto.L1SelectivePruner;
import io.amctkit.dsl.proto.NOutOfMPruner;
import io.amctkit.dsl.proto.NOutOfMType;
import io.amctkit.dsl.proto.PruneConfig;

/**
 * 2:4 structured sparsity by L1 selection ({@code n_out_of_m_pruner.l1_selective_prune}): keep the 2 largest of
 * every 4 weights along Cin ({@code n_out_of_m_type} M4N2, the only type), refreshing the mask every
 * {@code update_freq} forwards (0: only on the first). Immutable.
 */
public final class SelectivePrune implements Pruning {

    private final L1SelectivePruner proto;

    SelectivePrune(L1SelectivePruner proto) {
        this.proto = proto;
    }

    /** The N-out-of-M pattern; AMCT supports only M4N2. */
    public SelectivePrune nOutOfMType(NOutOfMType type) {
        return new SelectivePrune(proto.toBuilder().setNOutOfMType(type).build());
    }

    /** Recompute the mask every {@code updateFreq} forward calls; 0 (default) computes it once, on the first. */
    public SelectivePrune updateFreq(long updateFreq) {
        if (updateFreq < 0 || updateFreq > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("l1_selective_prune.update_freq must be >= 0 (a uint32: 0 = only the"
                    + " first batch, k = every k batches); got " + updateFreq);
        }
        return new SelectivePrune(proto.toBuilder().setUpdateFreq((int) updateFreq).build());
    }

    @Override
    public PruneConfig toProto() {
        return PruneConfig.newBuilder()
                .setNOutOfMPruner(NOutOfMPruner.newBuilder().setL1SelectivePrune(proto))
                .build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SelectivePrune other && proto.equals(other.proto);
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
