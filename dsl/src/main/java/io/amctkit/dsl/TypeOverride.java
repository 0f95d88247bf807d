package io.amctkit.dsl;

import io.amctkit.dsl.proto.RetrainOverrideLayerType;

import java.util.Objects;
import java.util.Optional;

/**
 * An override by layer type (PyTorch module class name such as {@code Conv2d} or {@code Linear}),
 * {@code override_layer_types}: beats the global config, loses to a {@link LayerOverride}. Immutable.
 */
public final class TypeOverride implements ConfigOverride {

    private final String layerType;
    private final OverrideParts parts;

    TypeOverride(String layerType, OverrideParts parts) {
        this.layerType = Objects.requireNonNull(layerType, "layer_type");
        if (layerType.isEmpty()) {
            throw new IllegalArgumentException("override_layer_types.layer_type must not be empty");
        }
        this.parts = parts;
    }

    static TypeOverride of(RetrainOverrideLayerType proto) {
        return new TypeOverride(proto.getLayerType(), new OverrideParts(
                proto.hasRetrainDataQuantConfig() ? Optional.of(proto.getRetrainDataQuantConfig()) : Optional.empty(),
                proto.hasRetrainWeightQuantConfig() ? Optional.of(proto.getRetrainWeightQuantConfig()) : Optional.empty(),
                proto.hasPruneConfig() ? Optional.of(proto.getPruneConfig()) : Optional.empty()));
    }

    public TypeOverride activations(ActivationQuant activations) {
        return new TypeOverride(layerType, parts.withActivations(activations, path()));
    }

    /** Weight quantizer for this type; channel_wise true on Linear fails here, as AMCT would fail later. */
    public TypeOverride weights(WeightQuant weights) {
        AmctRules.channelWise(layerType, weights.channelWiseSetTrue()).ifPresent(problem -> {
            throw new IllegalArgumentException(path() + ".retrain_weight_quant_config.channel_wise: " + problem);
        });
        return new TypeOverride(layerType, parts.withWeights(weights, path()));
    }

    public TypeOverride prune(Pruning pruning) {
        return new TypeOverride(layerType, parts.withPrune(pruning));
    }

    @Override
    public String key() {
        return layerType;
    }

    private String path() {
        return "override_layer_types[layer_type=\"" + layerType + "\"]";
    }

    public RetrainOverrideLayerType toProto() {
        RetrainOverrideLayerType.Builder b = RetrainOverrideLayerType.newBuilder().setLayerType(layerType);
        parts.data().ifPresent(b::setRetrainDataQuantConfig);
        parts.weights().ifPresent(b::setRetrainWeightQuantConfig);
        parts.prune().ifPresent(b::setPruneConfig);
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TypeOverride other && toProto().equals(other.toProto());
    }

    @Override
    public int hashCode() {
        return toProto().hashCode();
    }

    @Override
    public String toString() {
        return CfgWriter.fragment("override_layer_types", toProto());
    }
}
