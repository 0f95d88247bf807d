package io.amctkit.runtime.model;

import io.amctkit.dsl.resolve.Layer;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.model.safetensors.SafetensorsFile;
import io.amctkit.runtime.model.safetensors.ShardedSafetensors;
import io.amctkit.runtime.model.torch.TorchCheckpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Opens a model file of any supported format, recognised by its content (then its extension). */
public final class Models {

    private Models() {
    }

    /** Opens {@code file}; types of graph-less formats are inferred from weight shapes. */
    public static Model open(Path file) {
        return open(file, Optional.empty());
    }

    /** Opens {@code file}; for graph-less formats, {@code manifest} gives the layer types (and channel facts). */
    public static Model open(Path file, Optional<List<Layer>> manifest) {
        Optional<Path> index = shardedIndex(file);
        if (index.isPresent()) {
            ShardedSafetensors st = ShardedSafetensors.open(index.get());
            List<String> shards = st.shards().stream().map(f -> f.file().getFileName().toString()).toList();
            String note = "sharded safetensors: " + shards.size() + " shard(s) from " + index.get().getFileName() + " ("
                    + (shards.size() <= 4 ? String.join(", ", shards) : shards.get(0) + " … " + shards.get(shards.size() - 1)) + ")";
            return new NamedTensorModel(file, ModelFormat.SAFETENSORS, st.tensors(), manifest, st::read,
                    name -> Optional.of(st.shardOf(name).file()), () -> { }, List.of(note));
        }
        if (Files.isDirectory(file)) {
            file = singleSafetensors(file);
        }
        ModelFormat format = detect(file);
        return switch (format) {
            case ONNX -> OnnxModel.open(file);
            case SAFETENSORS -> {
                SafetensorsFile st = SafetensorsFile.open(file);
                java.util.Map<String, TensorInfo> infos = new java.util.LinkedHashMap<>();
                st.entries().keySet().forEach(name -> st.info(name).ifPresent(i -> infos.put(name, i)));
                yield new NamedTensorModel(file, format, infos, manifest, st::read, name -> Optional.empty(), () -> { },
                        List.of());
            }
            case PYTORCH -> {
                TorchCheckpoint ckpt = TorchCheckpoint.open(file);
                yield new NamedTensorModel(file, format, ckpt.tensors(), manifest, ckpt::read, ckpt::close, ckpt.notes());
            }
        };
    }

    /**
     * The index of a sharded safetensors checkpoint when {@code path} is one ({@code *.safetensors.index.json}) or a
     * folder holding one; empty otherwise.
     */
    static Optional<Path> shardedIndex(Path path) {
        if (Files.isDirectory(path)) {
            return ShardedSafetensors.indexIn(path);
        }
        return path.getFileName() != null && path.getFileName().toString().endsWith(".index.json") ? Optional.of(path) : Optional.empty();
    }

    /** The one safetensors file of a folder without an index. */
    private static Path singleSafetensors(Path folder) {
        List<Path> files;
        try (java.util.stream.Stream<Path> list = Files.list(folder)) {
            files = list.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new ModelException(folder, "cannot list: " + e.getMessage(), true, e);
        }
        if (files.size() == 1) {
            return files.get(0);
        }
        throw new ModelException(folder, files.isEmpty()
                ? "is a folder without a safetensors index or file; give the model file itself"
                : "is a folder with " + files.size() + " .safetensors files and no " + ShardedSafetensors.INDEX
                + "; give one file, or the checkpoint's index");
    }

    /** The format of {@code file}: zip → PyTorch; a plausible safetensors header → safetensors; otherwise ONNX by name. */
    public static ModelFormat detect(Path file) {
        if (shardedIndex(file).isPresent()) {
            return ModelFormat.SAFETENSORS;
        }
        if (Files.isDirectory(file)) {
            singleSafetensors(file);   // names what is wrong with the folder, or it holds one safetensors file
            return ModelFormat.SAFETENSORS;
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        } catch (NoSuchFileException e) {
            throw new ModelException(file, "no such file", true, e);
        } catch (IOException e) {
            throw new ModelException(file, "cannot read: " + e.getMessage(), true, e);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return ModelFormat.PYTORCH;
        }
        if (head.length >= 9 && head[8] == '{') {
            return ModelFormat.SAFETENSORS;
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".onnx")) {
            return ModelFormat.ONNX;
        }
        if (name.endsWith(".safetensors")) {
            return ModelFormat.SAFETENSORS;
        }
        if (name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".bin")) {
            throw new ModelException(file, "is not a zip archive: not a PyTorch checkpoint from torch.save (PyTorch ≥ 1.6);"
                    + " re-save it, or export ONNX or safetensors");
        }
        if (head.length == 0) {
            throw new ModelException(file, "is empty");
        }
        return ModelFormat.ONNX;
    }
}
