package io.amctkit.dsl;

import io.amctkit.dsl.proto.DataType;
import io.amctkit.dsl.proto.PruneConfig;
import io.amctkit.dsl.proto.RetrainDataQuantConfig;
import io.amctkit.dsl.proto.RetrainWeightQuantConfig;

import java.util.Optional;

/**
 * What an override carries: quant and/or prune parts. Shared by {@link LayerOverride} and {@link TypeOverride};
 * enforces the activation/weight type pair when both are known.
 */
record OverrideParts(Optional<RetrainDataQuantConfig> data, Optional<RetrainWeightQuantConfig> weights,
                     Optional<PruneConfig> prune) {

    static final OverrideParts EMPTY = new OverrideParts(Optional.empty(), Optional.empty(), Optional.empty());

    OverrideParts withActivations(ActivationQuant activations, String path) {
        checkPair(activations.effectiveDstType(), weights.map(w -> new WeightQuant(w).effectiveDstType()), path);
        return new OverrideParts(Optional.of(activations.toConfig()), weights, prune);
    }

    OverrideParts withWeights(WeightQuant w, String path) {
        DataType act = data.map(d -> d.getUlqQuantize().getDstType()).orElse(DataType.INT8);
        checkPair(act, Optional.of(w.effectiveDstType()), path);
        return new OverrideParts(data, Optional.of(w.toProto()), prune);
    }

    OverrideParts withPrune(Pruning pruning) {
        return new OverrideParts(data, weights, Optional.of(pruning.toProto()));
    }

    private static void checkPair(DataType act, Optional<DataType> weights, String path) {
        AmctRules.typePair(act, weights.orElse(DataType.INT8)).ifPresent(problem -> {
            throw new IllegalArgumentException(path + ": " + problem);
        });
    }
}
