package io.amctkit.dsl.resolve;

import com.fasterxml.jackson.databind.JsonNode;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every case of ../shared/reference/resolution resolves as AMCT did, in both modes: same verdict, and on success the
 * same JSON (as maps). New cases in the folder are picked up automatically.
 */
class ResolutionReferenceTest {

    static final Map<String, Mode> MODES = Map.of("quant_retrain", Mode.QUANT, "prune_or_compressed_api", Mode.COMPRESSED);

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Path file : ReferenceCases.caseFiles()) {
            JsonNode c = ReferenceCases.read(file);
            for (String mode : List.of("quant_retrain", "prune_or_compressed_api")) {
                if (c.path("results").has(mode)) {
                    out.add(Arguments.of(file.getFileName().toString().replace(".json", ""), mode));
                }
            }
        }
        return out.stream();
    }

    @Test
    void thereAreAtLeast43CasesInBothModes() {
        assertTrue(ReferenceCases.caseFiles().size() >= 43);
        assertEquals(2 * ReferenceCases.caseFiles().size(), cases().count());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void resolvesAsAmctDid(String id, String modeName) {
        JsonNode c = ReferenceCases.read(ReferenceCases.dir().resolve(id + ".json"));
        RetrainConfig config = RetrainConfig.parse(c.path("cfg_file").asText(), c.path("cfg_text").asText());
        List<Layer> layers = ReferenceCases.layerSet(c.path("layer_set").asText());
        Resolution r = Resolver.resolve(config, layers, MODES.get(modeName));
        JsonNode expected = c.path("results").path(modeName);
        String status = expected.path("status").asText();
        if (status.equals("ok")) {
            assertTrue(r.isAccepted(), id + ": AMCT accepts, we reject: " + r.rejection());
            assertEquals(expected.path("config"), ReferenceCases.normalise(r.toAmctJson()), id);
        } else {
            assertFalse(r.isAccepted(), () -> id + ": AMCT rejects (" + expected.path("error").path("message").asText()
                    + "), we accept:\n" + r.toAmctJson());
        }
    }

    /** Our capacity rules (quantizable, filter/2:4 prunable, INT4 packable) give the layers AMCT's querier gave. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("caseIds")
    void layerCapacityMatchesAmctsQuerier(String id) {
        JsonNode c = ReferenceCases.read(ReferenceCases.dir().resolve(id + ".json"));
        List<Layer> layers = ReferenceCases.layerSet(c.path("layer_set").asText());
        JsonNode stub = c.path("stub_queries");
        assertEquals(names(stub.path("qat_layers(RETRAIN_TYPES)")), layers.stream().filter(Layer::isQuantizable).map(Layer::name).toList());
        assertEquals(names(stub.path("filter_prunable_layers(PRUNABLE_TYPES, not depthwise)")),
                layers.stream().filter(Layer::isFilterPrunable).map(Layer::name).toList());
        assertEquals(names(stub.path("selective_prunable_layers(SELECTIVE_PRUNABLE_TYPES)")),
                layers.stream().filter(Layer::isSelectivePrunable).map(Layer::name).toList());
        Map<String, Boolean> packable = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = stub.path("int4_cin_packable").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            packable.put(e.getKey(), e.getValue().asBoolean());
        }
        Map<String, Boolean> ours = new LinkedHashMap<>();
        layers.stream().filter(l -> packable.containsKey(l.name())).forEach(l -> ours.put(l.name(), l.isInt4Packable()));
        assertEquals(packable, ours);
    }

    static Stream<String> caseIds() {
        return ReferenceCases.caseFiles().stream().map(p -> p.getFileName().toString().replace(".json", ""));
    }

    private static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
