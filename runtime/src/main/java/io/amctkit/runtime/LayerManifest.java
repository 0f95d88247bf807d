package io.amctkit.runtime;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.amctkit.dsl.internal.AtomicFiles;
import io.amctkit.dsl.resolve.Layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A model's layer list as JSON, for resolution without a model file:
 * {@code {"layers":[{"name":"layer1.0","type":"Conv2d","in_channels":2,"out_channels":16,"groups":1},
 * {"name":"lstm","type":"LSTM","input_size":32,"hidden_size":64}]}}. Types are PyTorch module class names;
 * unknown types are allowed (not quantizable). {@code in_features}/{@code out_features} are accepted for Linear.
 */
public final class LayerManifest {

    /** Largest manifest read: a million layers take about 100 MB. */
    static final long MAX_BYTES = 256L << 20;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private LayerManifest() {
    }

    /** Reads a manifest file; every problem is an {@link InvalidInputException} naming the file and the layer. */
    public static List<Layer> read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(file + ": is a directory, not a layer manifest (.json)", true);
        }
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file; check the path", true);
        }
        if (size > MAX_BYTES) {
            throw new InvalidInputException(file + ": " + size + " bytes is far larger than a layer manifest (limit "
                    + MAX_BYTES + " bytes); is this the right file?", false);
        }
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            // JSON is UTF-8 (RFC 8259): decoded strictly here, so that no other encoding is guessed from the first bytes
            text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new InvalidInputException(file + ": not UTF-8 text; a layer manifest is JSON in UTF-8", false);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new InvalidInputException(file + (at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr())
                    + ": not valid JSON: " + e.getOriginalMessage(), false);
        }
        return parse(file.toString(), root);
    }

    /** Parses manifest JSON text; {@code source} names it in errors. */
    public static List<Layer> parse(String source, String json) {
        try {
            return parse(source, JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(source + ": not valid JSON: " + e.getOriginalMessage(), false);
        }
    }

    private static List<Layer> parse(String source, JsonNode root) {
        if (root == null || !root.isObject() || !root.path("layers").isArray()) {
            throw new InvalidInputException(source + ": a layer manifest is a JSON object {\"layers\": [ {\"name\": ...,"
                    + " \"type\": ...}, ... ]}", false);
        }
        List<Layer> layers = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        ArrayNode array = (ArrayNode) root.get("layers");
        for (int i = 0; i < array.size(); i++) {
            JsonNode l = array.get(i);
            String where = source + ": layers[" + i + "]";
            if (!l.isObject()) {
                throw new InvalidInputException(where + ": each layer is an object with \"name\" and \"type\"", false);
            }
            String name = text(l, "name", where);
            String type = text(l, "type", where + " ('" + name + "')");
            Integer first = seen.putIfAbsent(name, i);
            if (first != null) {
                throw new InvalidInputException(where + ": layer name '" + name + "' repeats layers[" + first
                        + "]; names are module paths and must be unique", false);
            }
            try {
                layers.add(new Layer(name, type, size(l, where, "in_channels", "in_features"),
                        size(l, where, "out_channels", "out_features"), size(l, where, "groups"),
                        size(l, where, "input_size"), size(l, where, "hidden_size")));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(where + ": " + e.getMessage(), false);
            }
        }
        return layers;
    }

    private static String text(JsonNode layer, String field, String where) {
        JsonNode v = layer.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new InvalidInputException(where + ": \"" + field + "\" is missing or not a non-empty string"
                    + (field.equals("type") ? " (a PyTorch module class name such as Conv2d, Linear or LSTM)" : ""), false);
        }
        return v.asText();
    }

    private static OptionalInt size(JsonNode layer, String where, String... names) {
        for (String name : names) {
            JsonNode v = layer.get(name);
            if (v != null && !v.isNull()) {
                if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() <= 0) {
                    throw new InvalidInputException(where + ": \"" + name + "\" must be a positive integer; got " + v, false);
                }
                return OptionalInt.of(v.asInt());
            }
        }
        return OptionalInt.empty();
    }

    /** The manifest JSON of a layer list (what {@link #read} reads back). */
    public static String toJson(List<Layer> layers) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode array = root.putArray("layers");
        for (Layer layer : layers) {
            ObjectNode l = array.addObject();
            l.put("name", layer.name());
            l.put("type", layer.type());
            layer.inChannels().ifPresent(v -> l.put("in_channels", v));
            layer.outChannels().ifPresent(v -> l.put("out_channels", v));
            layer.groups().ifPresent(v -> l.put("groups", v));
            layer.inputSize().ifPresent(v -> l.put("input_size", v));
            layer.hiddenSize().ifPresent(v -> l.put("hidden_size", v));
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void write(Path file, List<Layer> layers, boolean replaceExisting) throws IOException {
        AtomicFiles.writeString(file, toJson(layers), replaceExisting);
    }
}
