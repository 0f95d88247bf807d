package io.amctkit.dsl.resolve;

import io.amctkit.dsl.proto.ActULQquantize;
import io.amctkit.dsl.proto.BalancedL2NormFilterPruner;
import io.amctkit.dsl.proto.DataType;
import io.amctkit.dsl.proto.PruneConfig;
import io.amctkit.dsl.proto.RetrainDataQuantConfig;
import io.amctkit.dsl.proto.RetrainWeightQuantConfig;

import java.util.Optional;

/**
 * The per-message parsing of AMCT's {@code RetrainProtoConfig}: a data, weight or prune block turned into the
 * parameters AMCT copies into a layer, with the errors AMCT raises while doing it.
 */
final class ProtoParams {

    private ProtoParams() {
    }

    /** {@code _get_retrain_data_config}: always ulq_quantize; clips only in pairs; dst_type INT8 by default; no INT4. */
    record Data(Optional<Float> clipMax, Optional<Float> clipMin, Optional<Boolean> fixedMin, DataType dstType) {
        boolean hasClip() {
            return clipMax.isPresent();
        }
    }

    /** {@code _get_retrain_weight_config}: empty when no algorithm is named (AMCT then fills its defaults). */
    record Weights(Optional<String> algo, Optional<Boolean> channelWise, Optional<DataType> dstType) {
        static final Weights EMPTY = new Weights(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** {@code _get_prune_config}: empty for an empty block. */
    record Prune(String pruneType, Optional<Float> ratio, Optional<Boolean> ascendOptimized, long updateFreq) {
    }

    static Data data(RetrainDataQuantConfig block, String path) {
        ActULQquantize ulq = block.getUlqQuantize();
        Optional<Float> max = Optional.empty();
        Optional<Float> min = Optional.empty();
        if (ulq.hasClipMaxMin()) {
            if (!ulq.getClipMaxMin().hasClipMax() || !ulq.getClipMaxMin().hasClipMin()) {
                throw AmctRejection.value("clip_max and clip_min are both required.", path + ".ulq_quantize.clip_max_min");
            }
            max = Optional.of(ulq.getClipMaxMin().getClipMax());
            min = Optional.of(ulq.getClipMaxMin().getClipMin());
        }
        Optional<Boolean> fixedMin = ulq.hasFixedMin() ? Optional.of(ulq.getFixedMin()) : Optional.empty();
        DataType dst = ulq.hasDstType() ? ulq.getDstType() : DataType.INT8;
        if (dst == DataType.INT4) {
            throw AmctRejection.value("Int4 quantization aware training is not supported.", path + ".ulq_quantize.dst_type");
        }
        return new Data(max, min, fixedMin, dst);
    }

    static Weights weights(RetrainWeightQuantConfig block) {
        if (block.hasArqRetrain()) {
            var arq = block.getArqRetrain();
            return new Weights(Optional.of("arq_retrain"),
                    arq.hasChannelWise() ? Optional.of(arq.getChannelWise()) : Optional.empty(),
                    Optional.of(arq.hasDstType() ? arq.getDstType() : DataType.INT8));
        }
        if (block.hasUlqRetrain()) {
            var ulq = block.getUlqRetrain();
            return new Weights(Optional.of("ulq_retrain"),
                    ulq.hasChannelWise() ? Optional.of(ulq.getChannelWise()) : Optional.empty(),
                    Optional.of(ulq.hasDstType() ? ulq.getDstType() : DataType.INT8));
        }
        return Weights.EMPTY;
    }

    static Optional<Prune> prune(PruneConfig block, String path) {
        if (block.equals(PruneConfig.getDefaultInstance())) {
            return Optional.empty();
        }
        if (block.hasFilterPruner()) {
            if (!block.getFilterPruner().hasBalancedL2NormFilterPrune()) {
                throw AmctRejection.value("only balanced_l2_norm_filter_prune is support,  but"
                        + " balanced_l2_norm_filter_prune is not found.", path + ".filter_pruner");
            }
            BalancedL2NormFilterPruner bcp = block.getFilterPruner().getBalancedL2NormFilterPrune();
            if (!bcp.hasPruneRatio()) {
                throw AmctRejection.value("prune_ratio is required for balanced_l2_norm_filter_prune, please add it.",
                        path + ".filter_pruner.balanced_l2_norm_filter_prune.prune_ratio");
            }
            return Optional.of(new Prune(PrunePlan.FILTER, Optional.of(bcp.getPruneRatio()),
                    bcp.hasAscendOptimized() ? Optional.of(bcp.getAscendOptimized()) : Optional.empty(), 0));
        }
        if (!block.getNOutOfMPruner().hasL1SelectivePrune()) {
            throw AmctRejection.value("only l1_selective_prune is support,  but l1_selective_prune is not found.",
                    path + ".n_out_of_m_pruner");
        }
        long updateFreq = Integer.toUnsignedLong(block.getNOutOfMPruner().getL1SelectivePrune().getUpdateFreq());
        return Optional.of(new Prune(PrunePlan.SELECTIVE, Optional.empty(), Optional.empty(), updateFreq));
    }
}
