package io.amctkit.runtime.model.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amctkit.runtime.model.ModelException;
import io.amctkit.runtime.model.TensorInfo;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A sharded safetensors checkpoint (how LLMs are published): {@code model.safetensors.index.json}, whose
 * {@code weight_map} names the shard of every tensor, and the shards beside it. Every shard's header is read and checked
 * against the index up front (a shard missing, a tensor mapped twice, a tensor in a shard the index does not name for
 * it, a mapped tensor absent from its shard: each an error naming the files); tensors are then read one at a time from
 * their own shard. Tensors come shard by shard in the shards' name order ({@code model-00001-of-0000N} first; the
 * weight_map itself is sorted by tensor name, which puts {@code lm_head} first), each shard's in its file order: the
 * order the model wrote them.
 */
public final class ShardedSafetensors {

    /** The index file's usual name. */
    public static final String INDEX = "model.safetensors.index.json";

    /** An index larger than this is not an index (a 7 B model's is about 30 KB). */
    static final long MAX_INDEX = 64L << 20;

    private final Path index;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> shardOf;
    private final Map<String, TensorInfo> tensors;

    private ShardedSafetensors(Path index, List<SafetensorsFile> shards, Map<String, SafetensorsFile> shardOf,
                               Map<String, TensorInfo> tensors) {
        this.index = index;
        this.shards = shards;
        this.shardOf = shardOf;
        this.tensors = tensors;
    }

    /**
     * The index a folder holds ({@code model.safetensors.index.json}, else the only {@code *.safetensors.index.json});
     * empty when it holds none, an error when it holds several.
     */
    public static Optional<Path> indexIn(Path folder) {
        Path usual = folder.resolve(INDEX);
        if (Files.isRegularFile(usual)) {
            return Optional.of(usual);
        }
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> indexes = files.filter(f -> f.getFileName().toString().endsWith(".safetensors.index.json")).sorted().toList();
            if (indexes.size() > 1) {
                throw new ModelException(folder, "holds " + indexes.size() + " safetensors indexes " + names(indexes)
                        + "; give the one to read");
            }
            return indexes.stream().findFirst();
        } catch (IOException e) {
            throw new ModelException(folder, "cannot list: " + e.getMessage(), true, e);
        }
    }

    /** Opens the checkpoint described by {@code index}: reads the index and every shard's header, and checks them. */
    public static ShardedSafetensors open(Path index) {
        JsonNode root = readIndex(index);
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject() || map.size() == 0) {
            throw new ModelException(index, "has no \"weight_map\" object naming each tensor's shard: not a safetensors index");
        }
        Path folder = index.toAbsolutePath().getParent();
        Map<String, String> shardNameOf = new LinkedHashMap<>();
        Map<Path, String> shardByPath = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
                throw new ModelException(index, "maps tensor '" + e.getKey() + "' to " + e.getValue() + ", not a shard file name");
            }
            String shard = e.getValue().asText();
            Path file = folder.resolve(shard).normalize();
            if (!file.getParent().equals(folder.normalize())) {
                throw new ModelException(index, "maps tensor '" + e.getKey() + "' to '" + shard + "', outside the index's folder;"
                        + " shards must sit beside the index");
            }
            String earlier = shardByPath.putIfAbsent(file, shard);
            if (earlier != null && !earlier.equals(shard)) {
                throw new ModelException(index, "lists the shard " + file.getFileName() + " twice, as '" + earlier + "' and '"
                        + shard + "'");
            }
            shardNameOf.put(e.getKey(), shard);
        }
        List<SafetensorsFile> shards = new ArrayList<>();
        Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
        List<Map.Entry<Path, String>> byFileName = new ArrayList<>(shardByPath.entrySet());
        byFileName.sort(Map.Entry.comparingByKey());
        for (Map.Entry<Path, String> s : byFileName) {
            if (!Files.isRegularFile(s.getKey())) {
                throw new ModelException(index, "names the shard " + s.getValue() + ", which is missing from " + folder);
            }
            SafetensorsFile f = SafetensorsFile.open(s.getKey());
            shards.add(f);
            byName.put(s.getValue(), f);
        }
        Map<String, SafetensorsFile> holder = new LinkedHashMap<>();
        for (SafetensorsFile f : shards) {
            for (String tensor : f.entries().keySet()) {
                SafetensorsFile other = holder.putIfAbsent(tensor, f);
                if (other != null) {
                    throw new ModelException(index, "tensor '" + tensor + "' is in two shards, " + other.file().getFileName()
                            + " and " + f.file().getFileName());
                }
            }
        }
        for (Map.Entry<String, String> e : shardNameOf.entrySet()) {
            SafetensorsFile mapped = byName.get(e.getValue());
            SafetensorsFile actual = holder.get(e.getKey());
            if (actual == null) {
                throw new ModelException(index, "maps tensor '" + e.getKey() + "' to " + e.getValue() + ", which does not hold it"
                        + " (nor does any other shard)");
            }
            if (actual != mapped) {
                throw new ModelException(index, "maps tensor '" + e.getKey() + "' to " + e.getValue() + ", but it is in "
                        + actual.file().getFileName());
            }
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, SafetensorsFile> shardOf = new LinkedHashMap<>();
        for (SafetensorsFile f : shards) {
            for (String tensor : f.entries().keySet()) {
                if (!shardNameOf.containsKey(tensor)) {
                    continue;   // in a shard but not in the index: the index is what transformers loads
                }
                shardOf.put(tensor, f);
                f.info(tensor).ifPresent(i -> tensors.put(tensor, i));
            }
        }
        return new ShardedSafetensors(index, List.copyOf(shards), shardOf, tensors);
    }

    private static JsonNode readIndex(Path index) {
        try {
            long size = Files.size(index);
            if (size > MAX_INDEX) {
                throw new ModelException(index, "is " + size + " bytes: too large for a safetensors index");
            }
            ObjectMapper json = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            return json.readTree(Files.readString(index));
        } catch (NoSuchFileException e) {
            throw new ModelException(index, "no such file", true, e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String what = e.getOriginalMessage();
            throw new ModelException(index, "is not a valid safetensors index (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "): " + (what.startsWith("Duplicate field")
                    ? what + " — a tensor mapped twice" : what));
        } catch (IOException e) {
            throw new ModelException(index, "cannot read: " + e.getMessage(), true, e);
        }
    }

    private static String names(List<Path> files) {
        return files.stream().map(f -> f.getFileName().toString()).toList().toString();
    }

    public Path index() {
        return index;
    }

    /** The shards, in name order. */
    public List<SafetensorsFile> shards() {
        return shards;
    }

    /** The readable float tensors, shard by shard in file order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The shard holding {@code tensor}. */
    public SafetensorsFile shardOf(String tensor) {
        SafetensorsFile f = shardOf.get(tensor);
        if (f == null) {
            throw new IllegalArgumentException(index + " maps no tensor '" + tensor + "'");
        }
        return f;
    }

    /** Reads one tensor from its shard. */
    public INDArray read(TensorInfo tensor) {
        return shardOf(tensor.name()).read(tensor);
    }

    /** Reads one tensor from its shard into {@code buffer}. */
    public INDArray read(TensorInfo tensor, io.amctkit.runtime.model.WeightBuffer buffer) {
        return shardOf(tensor.name()).read(tensor, buffer);
    }
}
