package io.amctkit.dsl.resolve;

import io.amctkit.dsl.LayerTypes;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * One layer of a model as AMCT sees it: its module name ({@code layer1.0.conv1}), its PyTorch module class name
 * ({@code Conv2d}) and the shape facts resolution needs (input/output channels or features, groups, and for RNNs the
 * input and hidden size). Unknown types are allowed and simply not quantizable.
 */
public record Layer(String name, String type, OptionalInt inChannels, OptionalInt outChannels, OptionalInt groups,
                    OptionalInt inputSize, OptionalInt hiddenSize) {

    public Layer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a layer needs a non-empty name");
        }
        if (type.isEmpty()) {
            throw new IllegalArgumentException("layer '" + name + "' needs a type (a PyTorch module class name)");
        }
        for (OptionalInt v : new OptionalInt[]{inChannels, outChannels, groups, inputSize, hiddenSize}) {
            if (v.isPresent() && v.getAsInt() <= 0) {
                throw new IllegalArgumentException("layer '" + name + "': sizes must be positive; got " + v.getAsInt());
            }
        }
    }

    /** A layer known only by name and type. */
    public static Layer of(String name, String type) {
        return new Layer(name, type, OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty());
    }

    /** A convolution or linear layer with its channel counts and groups. */
    public static Layer of(String name, String type, int inChannels, int outChannels, int groups) {
        return new Layer(name, type, OptionalInt.of(inChannels), OptionalInt.of(outChannels), OptionalInt.of(groups),
                OptionalInt.empty(), OptionalInt.empty());
    }

    /** An LSTM or GRU layer with its input and hidden size. */
    public static Layer rnn(String name, String type, int inputSize, int hiddenSize) {
        return new Layer(name, type, OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.of(inputSize), OptionalInt.of(hiddenSize));
    }

    public boolean isQuantizable() {
        return LayerTypes.isQuantizable(type);
    }

    /** A depthwise Conv2d (groups == in_channels > 1): AMCT never filter-prunes it. */
    public boolean isDepthwise() {
        return type.equals("Conv2d") && groups.orElse(1) > 1 && inChannels.isPresent()
                && groups.getAsInt() == inChannels.getAsInt();
    }

    public boolean isFilterPrunable() {
        return LayerTypes.FILTER_PRUNABLE_TYPES.contains(type) && !isDepthwise();
    }

    public boolean isSelectivePrunable() {
        return LayerTypes.SELECTIVE_PRUNABLE_TYPES.contains(type);
    }

    /**
     * Whether INT4 weights can be nibble-packed along Cin: not for grouped or depthwise convolutions, an odd Cin, or
     * an LSTM/GRU with an odd input or hidden size. Unknown sizes count as packable.
     */
    public boolean isInt4Packable() {
        if (groups.orElse(1) > 1) {
            return false;
        }
        if (type.equals("LSTM") || type.equals("GRU")) {
            int in = inputSize.orElse(inChannels.orElse(2));
            return in % 2 == 0 && hiddenSize.orElse(2) % 2 == 0;
        }
        return inChannels.orElse(2) % 2 == 0;
    }
}
