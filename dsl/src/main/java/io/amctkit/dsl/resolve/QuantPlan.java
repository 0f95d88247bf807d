package io.amctkit.dsl.resolve;

import io.amctkit.dsl.proto.DataType;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The effective quantization of one layer, with AMCT's defaults filled in: whether QAT quantizes it, its ULQ
 * activation settings (clip range or IFMR initialisation, fixed_min or the ReLU rule, bits) and its weight
 * quantizer (ARQ or weight ULQ, channel_wise, bits), each with the source that decided it.
 */
public record QuantPlan(boolean enabled, Source enabledBy,
                        Optional<Float> clipMax, Optional<Float> clipMin, Optional<Boolean> fixedMin,
                        DataType activationType, Source activationsFrom,
                        String weightAlgo, boolean channelWise, Source channelWiseFrom, DataType weightType,
                        Source weightsFrom, boolean int4Downgraded) {

    /** True when no clip range is configured: AMCT initialises it with IFMR over batch_num batches. */
    public boolean ifmrInit() {
        return clipMax.isEmpty() || clipMin.isEmpty();
    }

    /** The activations' bit width (4, 8 or 16). */
    public int activationBits() {
        return bits(activationType);
    }

    /** The weights' bit width (4, 8 or 16). */
    public int weightBits() {
        return bits(weightType);
    }

    /** The bit width of an AMCT data type. */
    public static int bits(DataType type) {
        return switch (type) {
            case INT4 -> 4;
            case INT8 -> 8;
            case INT16 -> 16;
        };
    }

    /** AMCT's per-layer JSON keys for quantization (clip values are float32 widened to double, as AMCT writes). */
    Map<String, Object> toAmctJson(Map<String, Object> layer) {
        layer.put("retrain_enable", enabled);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("algo", "ulq_quantize");
        clipMax.ifPresent(v -> data.put("clip_max", (double) v));
        clipMin.ifPresent(v -> data.put("clip_min", (double) v));
        fixedMin.ifPresent(v -> data.put("fixed_min", v));
        data.put("dst_type", activationType.name());
        layer.put("retrain_data_config", data);
        Map<String, Object> weights = new LinkedHashMap<>();
        weights.put("algo", weightAlgo);
        weights.put("channel_wise", channelWise);
        weights.put("dst_type", weightType.name());
        layer.put("retrain_weight_config", weights);
        return layer;
    }
}
