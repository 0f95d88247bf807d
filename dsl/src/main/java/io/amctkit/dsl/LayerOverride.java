package io.amctkit.dsl;

import io.amctkit.dsl.proto.RetrainOverrideLayer;

import java.util.Objects;
import java.util.Optional;

/**
 * An override by layer (module) name, {@code override_layer_configs}: the highest priority. For quantization it
 * even re-enables a skipped layer; for pruning a skip list still wins. Immutable.
 */
public final class LayerOverride implements ConfigOverride {

    private final String layerName;
    private final OverrideParts parts;

    LayerOverride(String layerName, OverrideParts parts) {
        this.layerName = Objects.requireNonNull(layerName, "layer_name");
        if (layerName.isEmpty()) {
            throw new IllegalArgumentException("override_layer_configs.layer_name must not be empty");
        }
        this.parts = parts;
    }

    static LayerOverride of(RetrainOverrideLayer proto) {
        return new LayerOverride(proto.getLayerName(), new OverrideParts(
                proto.hasRetrainDataQuantConfig() ? Optional.of(proto.getRetrainDataQuantConfig()) : Optional.empty(),
                proto.hasRetrainWeightQuantConfig() ? Optional.of(proto.getRetrainWeightQuantConfig()) : Optional.empty(),
                proto.hasPruneConfig() ? Optional.of(proto.getPruneConfig()) : Optional.empty()));
    }

    public LayerOverride activations(ActivationQuant activations) {
        return new LayerOverride(layerName, parts.withActivations(activations, path()));
    }

    public LayerOverride weights(WeightQuant weights) {
        return new LayerOverride(layerName, parts.withWeights(weights, path()));
    }

    public LayerOverride prune(Pruning pruning) {
        return new LayerOverride(layerName, parts.withPrune(pruning));
    }

    @Override
    public String key() {
        return layerName;
    }

    private String path() {
        return "override_layer_configs[layer_name=\"" + layerName + "\"]";
    }

    public RetrainOverrideLayer toProto() {
        RetrainOverrideLayer.Builder b = RetrainOverrideLayer.newBuilder().setLayerName(layerName);
        parts.data().ifPresent(b::setRetrainDataQuantConfig);
        parts.weights().ifPresent(b::setRetrainWeightQuantConfig);
        parts.prune().ifPresent(b::setPruneConfig);
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerOverride other && toProto().equals(other.toProto());
    }

    @Override
    public int hashCode() {
        return toProto().hashCode();
    }

    @Override
    public String toString() {
        return CfgWriter.fragment("override_layer_configs", toProto());
    }
}
