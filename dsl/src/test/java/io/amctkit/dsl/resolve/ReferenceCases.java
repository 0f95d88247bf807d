package io.amctkit.dsl.resolve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** AMCT's config-resolution reference cases: the folder's files and the layer sets of its _index.json. */
final class ReferenceCases {

    static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceCases() {
    }

    static Path dir() {
        Path dir = Path.of(System.getProperty("amctkit.reference", "../../shared/reference")).resolve("resolution");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("AMCT reference data not found at " + dir.toAbsolutePath());
        }
        return dir;
    }

    static List<Path> caseFiles() {
        try (var files = Files.list(dir())) {
            return files.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().startsWith("_"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The layers of a named layer set, in model order, with the sizes the set gives. */
    static List<Layer> layerSet(String name) {
        JsonNode set = read(dir().resolve("_index.json")).path("layer_sets").path(name);
        if (set.isMissingNode()) {
            throw new IllegalStateException("_index.json has no layer set " + name);
        }
        List<Layer> layers = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = set.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode l = e.getValue();
            String type = l.path("type").asText();
            boolean rnn = type.equals("LSTM") || type.equals("GRU");
            layers.add(new Layer(e.getKey(), type,
                    rnn ? OptionalInt.empty() : opt(l, "cin"), opt(l, "cout"), opt(l, "groups"),
                    rnn ? opt(l, "cin") : OptionalInt.empty(), opt(l, "hidden")));
        }
        return layers;
    }

    private static OptionalInt opt(JsonNode node, String field) {
        return node.has(field) ? OptionalInt.of(node.get(field).asInt()) : OptionalInt.empty();
    }

    /** Numbers normalised (1 == 1L, 0.3 == 0.3d) so maps compare as JSON values. */
    static JsonNode normalise(Object value) {
        try {
            return JSON.readTree(JSON.writeValueAsString(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
