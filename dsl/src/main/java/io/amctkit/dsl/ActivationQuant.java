package io.amctkit.dsl;

import io.amctkit.dsl.proto.ActULQquantize;
import io.amctkit.dsl.proto.DataType;
import io.amctkit.dsl.proto.RetrainDataQuantConfig;

import java.util.Optional;

/**
 * Activation quantization by ULQ ({@code retrain_data_quant_config.ulq_quantize}), the only algorithm AMCT offers:
 * an optional initial clip range, {@code fixed_min} (absent: true exactly when the layer's input comes from a ReLU)
 * and {@code dst_type} (INT8 by default; INT16 with INT8 weights; INT4 is rejected by AMCT). Immutable: every method
 * returns a new value.
 */
public final class ActivationQuant {

    private final ActULQquantize proto;

    ActivationQuant(ActULQquantize proto) {
        this.proto = proto;
    }

    /** The initial clip range, lower bound first: {@code clipRange(-6, 6)}. */
    public ActivationQuant clipRange(double clipMin, double clipMax) {
        return clipRange(ClipRange.of(clipMin, clipMax));
    }

    public ActivationQuant clipRange(ClipRange range) {
        return new ActivationQuant(proto.toBuilder().setClipMaxMin(range.toProto()).build());
    }

    /** Fix the lower bound at 0 (set it for layers after a ReLU; absent means AMCT decides from the graph). */
    public ActivationQuant fixedMin(boolean fixedMin) {
        return new ActivationQuant(proto.toBuilder().setFixedMin(fixedMin).build());
    }

    /** The activation bit width: INT8 (default) or INT16. */
    public ActivationQuant dstType(DataType dstType) {
        AmctRules.activationType(dstType).ifPresent(problem -> {
            throw new IllegalArgumentException("ulq_quantize.dst_type: " + problem);
        });
        return new ActivationQuant(proto.toBuilder().setDstType(dstType).build());
    }

    public Optional<ClipRange> clipRange() {
        return proto.hasClipMaxMin()
                ? Optional.of(new ClipRange(proto.getClipMaxMin().getClipMin(), proto.getClipMaxMin().getClipMax()))
                : Optional.empty();
    }

    /** The bit width AMCT will use (INT8 when not set). */
    public DataType effectiveDstType() {
        return proto.getDstType();
    }

    public ActULQquantize toProto() {
        return proto;
    }

    RetrainDataQuantConfig toConfig() {
        return RetrainDataQuantConfig.newBuilder().setUlqQuantize(proto).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActivationQuant other && proto.equals(other.proto);
    }

    @Override
    public int hashCode() {
        return proto.hashCode();
    }

    @Override
    public String toString() {
        return CfgWriter.fragment("ulq_quantize", proto);
    }
}
