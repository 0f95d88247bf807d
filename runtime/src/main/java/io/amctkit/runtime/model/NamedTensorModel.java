package io.amctkit.runtime.model;

import io.amctkit.dsl.resolve.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** A model without a graph (safetensors, a PyTorch state_dict): layers from {@link StateDictLayers}, weights read lazily. */
final class NamedTensorModel implements Model {

    private final Path source;
    private final ModelFormat format;
    private final java.util.function.BiFunction<TensorInfo, WeightBuffer, INDArray> reader;
    private final Function<String, Optional<Path>> origin;
    private final Runnable closer;
    private final StateDictLayers.Result layers;
    private final List<String> notes;

    NamedTensorModel(Path source, ModelFormat format, Map<String, TensorInfo> tensors, Optional<List<Layer>> manifest,
                     Function<TensorInfo, INDArray> reader, Runnable closer, List<String> extraNotes) {
        this(source, format, tensors, manifest, (t, buffer) -> reader.apply(t), name -> Optional.empty(), closer,
                extraNotes);
    }

    /**
     * With {@code reader} reading a tensor into a {@link WeightBuffer} as {@link Model#storedWeight} reads it
     * (safetensors; a new float32 array when the buffer is null), and {@code origin} naming the file of a tensor (a shard).
     */
    NamedTensorModel(Path source, ModelFormat format, Map<String, TensorInfo> tensors, Optional<List<Layer>> manifest,
                     java.util.function.BiFunction<TensorInfo, WeightBuffer, INDArray> reader,
                     Function<String, Optional<Path>> origin, Runnable closer, List<String> extraNotes) {
        this.source = source;
        this.format = format;
        this.reader = reader;
        this.origin = origin;
        this.closer = closer;
        this.layers = StateDictLayers.of(tensors, manifest);
        java.util.ArrayList<String> n = new java.util.ArrayList<>(extraNotes);
        n.add("no graph in a " + format.name().toLowerCase(java.util.Locale.ROOT) + " file: no producers, consumers,"
                + " ReLU inputs or couplings" + (manifest.isPresent() ? "" : "; layer types inferred from weight shapes"));
        n.addAll(layers.notes());
        this.notes = List.copyOf(n);
    }

    @Override
    public Path source() {
        return source;
    }

    @Override
    public ModelFormat format() {
        return format;
    }

    @Override
    public List<ModelLayer> layers() {
        return layers.layers();
    }

    @Override
    public List<Unsupported> unsupported() {
        return layers.unsupported();
    }

    @Override
    public List<Coupling> couplings() {
        return List.of();
    }

    @Override
    public List<String> notes() {
        return notes;
    }

    @Override
    public INDArray read(TensorInfo tensor) {
        return reader.apply(tensor, null);
    }

    @Override
    public Optional<Path> origin(ModelLayer layer) {
        return origin.apply(layer.weight().name());
    }

    @Override
    public INDArray storedWeight(ModelLayer layer, WeightBuffer buffer) {
        return layer.weightTransposed() ? weight(layer) : reader.apply(layer.weight(), buffer);
    }

    @Override
    public void close() {
        closer.run();
    }
}
