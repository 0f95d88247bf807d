package io.amctkit.dsl;

import java.util.List;
import java.util.Set;

/**
 * AMCT's capacity lists for PyTorch (capacity_config.csv at hicann/amct 2be20da): which module class names it can
 * quantize, filter-prune and 2:4-prune, and which weight quantizers may not be channel-wise.
 */
public final class LayerTypes {

    /** RETRAIN_TYPES: the types QAT can quantize. */
    public static final List<String> RETRAIN_TYPES = List.of(
            "Conv1d", "Conv2d", "Conv3d", "Linear", "ConvTranspose2d", "LSTM", "GRU", "ConvTranspose1d");
    /** PRUNABLE_TYPES: the types filter (channel) pruning accepts (depthwise Conv2d excluded per layer). */
    public static final List<String> FILTER_PRUNABLE_TYPES = List.of("Conv2d", "Linear");
    /** SELECTIVE_PRUNABLE_TYPES: the types 2:4 pruning accepts. */
    public static final List<String> SELECTIVE_PRUNABLE_TYPES = List.of("Conv2d", "Linear", "ConvTranspose2d");
    /** Types whose weight quantizer is per tensor: channel_wise defaults to false and true is an error. */
    public static final Set<String> NOT_CHANNEL_WISE = Set.of("Linear", "MatMul", "InnerProduct", "Pooling", "AvgPool");

    private LayerTypes() {
    }

    /** Whether AMCT can quantize a layer of this type. */
    public static boolean isQuantizable(String type) {
        return RETRAIN_TYPES.contains(type);
    }

    /** AMCT's channel_wise default for a weight quantizer of this type. */
    public static boolean defaultChannelWise(String type) {
        return !NOT_CHANNEL_WISE.contains(type);
    }
}
