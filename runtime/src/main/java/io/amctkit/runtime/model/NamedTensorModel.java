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
    private final Function<TensorInfo, INDArray> reader;
    private final Runnable closer;
    private final StateDictLayers.Result layers;
    private final List<String> notes;

    NamedTensorModel(Path source, ModelFormat format, Map<String, TensorInfo> tensors, Optional<List<Layer>> manifest,
                     Function<TensorInfo, INDArray> reader, Runnable closer, List<String> extraNotes) {
        this.source = source;
        this.format = format;
        this.reader = reader;
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
        return reader.apply(tensor);
    }

    @Override
    public void close() {
        closer.run();
    }
}
