package io.amctkit.runtime.model;

import io.amctkit.dsl.resolve.Layer;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One layer of a model as AMCT names and types it, with where that came from: its module name, PyTorch type, the
 * stored weights (the first is the one AMCT quantizes, normalised to PyTorch's layout), channel facts, and — when the
 * file has a graph — the nearest layers feeding it and fed by it and whether its input comes straight from a ReLU.
 *
 * @param name      AMCT's module name, e.g. {@code layer1.0.conv1}
 * @param type      the PyTorch module class, e.g. {@code Conv2d}
 * @param naming    how the name was recovered ("export scope", "initializer name", "node name", "state_dict key")
 * @param evidence  why this type, e.g. "ONNX Conv with a rank-4 weight" or "inferred from the weight shape [64, 3, 7, 7]"
 * @param origin    the node or key prefix in the file
 * @param weights   stored weights: the primary one first (Conv/Linear weight, or an RNN's input weights)
 * @param weightTransposed whether the primary weight is stored transposed ([in, out], as an ONNX MatMul keeps it)
 * @param kernel    spatial kernel sizes (empty for Linear and RNNs)
 * @param reluInput whether the input is a ReLU's output (AMCT's fixed_min default); empty without a graph
 */
public record ModelLayer(String name, String type, String naming, String evidence, String origin,
                         List<TensorInfo> weights, boolean weightTransposed, OptionalInt inChannels,
                         OptionalInt outChannels, OptionalInt groups, List<Integer> kernel, OptionalInt inputSize,
                         OptionalInt hiddenSize, List<String> producers, List<String> consumers,
                         Optional<Boolean> reluInput) {

    public ModelLayer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        weights = List.copyOf(weights);
        kernel = List.copyOf(kernel);
        producers = List.copyOf(producers);
        consumers = List.copyOf(consumers);
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("layer " + name + " has no weight");
        }
    }

    /** The weight AMCT quantizes or prunes. */
    public TensorInfo weight() {
        return weights.get(0);
    }

    /** Its shape in PyTorch's layout ([out, in] for Linear even when stored transposed). */
    public long[] weightShape() {
        long[] s = weight().shape();
        return weightTransposed ? new long[]{s[1], s[0]} : s;
    }

    /** Parameters in the stored weights. */
    public long parameters() {
        long n = 0;
        for (TensorInfo t : weights) {
            n += t.elements();
        }
        return n;
    }

    /** The layer as resolution sees it. */
    public Layer toLayer() {
        return new Layer(name, type, inChannels, outChannels, groups, inputSize, hiddenSize);
    }

    /** A copy with the graph facts filled in. */
    public ModelLayer withGraph(List<String> newProducers, List<String> newConsumers, Optional<Boolean> relu) {
        return new ModelLayer(name, type, naming, evidence, origin, weights, weightTransposed, inChannels, outChannels,
                groups, kernel, inputSize, hiddenSize, newProducers, newConsumers, relu);
    }

    /** A copy under another name (a duplicate recovered name made unique). */
    public ModelLayer withName(String newName) {
        return new ModelLayer(newName, type, naming, evidence, origin, weights, weightTransposed, inChannels, outChannels,
                groups, kernel, inputSize, hiddenSize, producers, consumers, reluInput);
    }
}
