package io.amctkit.dsl;

import io.amctkit.dsl.proto.ARQRetrain;
import io.amctkit.dsl.proto.DataType;
import io.amctkit.dsl.proto.RetrainWeightQuantConfig;
import io.amctkit.dsl.proto.WtsULQRetrain;

/**
 * Weight quantization ({@code retrain_weight_quant_config}) by ARQ ({@code arq_retrain}, AMCT's default) or by
 * weight ULQ ({@code ulq_retrain}, a learned scale initialised by ARQ): {@code channel_wise} (absent: false for
 * Linear, true otherwise) and {@code dst_type} (INT8 by default; INT4 with INT8 activations). Immutable.
 */
public final class WeightQuant {

    private final RetrainWeightQuantConfig proto;

    WeightQuant(RetrainWeightQuantConfig proto) {
        this.proto = proto;
    }

    static WeightQuant arq() {
        return new WeightQuant(RetrainWeightQuantConfig.newBuilder().setArqRetrain(ARQRetrain.getDefaultInstance()).build());
    }

    static WeightQuant ulq() {
        return new WeightQuant(RetrainWeightQuantConfig.newBuilder().setUlqRetrain(WtsULQRetrain.getDefaultInstance()).build());
    }

    /** One scale per output channel (true) or one per tensor (false; required for Linear). */
    public WeightQuant channelWise(boolean channelWise) {
        RetrainWeightQuantConfig.Builder b = proto.toBuilder();
        if (isArq()) {
            b.getArqRetrainBuilder().setChannelWise(channelWise);
        } else {
            b.getUlqRetrainBuilder().setChannelWise(channelWise);
        }
        return new WeightQuant(b.build());
    }

    /** The weight bit width: INT8 (default) or INT4 (needs INT8 activations). */
    public WeightQuant dstType(DataType dstType) {
        RetrainWeightQuantConfig.Builder b = proto.toBuilder();
        if (isArq()) {
            b.getArqRetrainBuilder().setDstType(dstType);
        } else {
            b.getUlqRetrainBuilder().setDstType(dstType);
        }
        return new WeightQuant(b.build());
    }

    public boolean isArq() {
        return proto.hasArqRetrain();
    }

    /** The bit width AMCT will use (INT8 when not set). */
    public DataType effectiveDstType() {
        return isArq() ? proto.getArqRetrain().getDstType() : proto.getUlqRetrain().getDstType();
    }

    /** Whether channel_wise is explicitly true. */
    boolean channelWiseSetTrue() {
        return isArq()
                ? proto.getArqRetrain().hasChannelWise() && proto.getArqRetrain().getChannelWise()
                : proto.getUlqRetrain().hasChannelWise() && proto.getUlqRetrain().getChannelWise();
    }

    public RetrainWeightQuantConfig toProto() {
        return proto;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightQuant other && proto.equals(other.proto);
    }

    @Override
    public int hashCode() {
        return proto.hashCode();
    }

    @Override
    public String toString() {
        return CfgWriter.fragment("retrain_weight_quant_config", proto);
    }
}
