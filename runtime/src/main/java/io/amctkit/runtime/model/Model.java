package io.amctkit.runtime.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;

/**
 * A model file opened lazily: its layers (names, types, shapes and graph facts) are known at once, weights are read one
 * at a time on request. Close it to release the mapped file.
 */
public interface Model extends AutoCloseable {

    Path source();

    ModelFormat format();

    /** The layers of AMCT's types and any other layer the file's structure names, in file order. */
    List<ModelLayer> layers();

    /** Weight-carrying parts not turned into layers, with the reason. */
    List<Unsupported> unsupported();

    /** Output-channel couplings (empty without a graph). */
    List<Coupling> couplings();

    /** Notes on how the layers were recovered (inference from shapes, renamed duplicates). */
    List<String> notes();

    /** Reads one stored tensor as float32, in its stored layout. */
    INDArray read(TensorInfo tensor);

    /** The layer's primary weight as float32 in PyTorch's layout ([out, in] for Linear). */
    default INDArray weight(ModelLayer layer) {
        INDArray w = read(layer.weight());
        return layer.weightTransposed() ? w.transpose().dup('c') : w;
    }

    /**
     * The layer's weight for the kernels: {@link #weight(ModelLayer)}, except that where the format allows it is read
     * into {@code buffer} (then the array lives there, see {@link WeightBuffer#holds}) and a bfloat16 weight stays
     * bfloat16 (the kernels widen it exactly, a range at a time); otherwise a new float32 array, which the caller closes.
     */
    default INDArray storedWeight(ModelLayer layer, WeightBuffer buffer) {
        return weight(layer);
    }

    /** The file a layer's weight is stored in when the model spans several (a shard of a checkpoint); else empty. */
    default java.util.Optional<Path> origin(ModelLayer layer) {
        return java.util.Optional.empty();
    }

    /** The layer with this name. */
    default java.util.Optional<ModelLayer> layer(String name) {
        return layers().stream().filter(l -> l.name().equals(name)).findFirst();
    }

    @Override
    void close();
}
