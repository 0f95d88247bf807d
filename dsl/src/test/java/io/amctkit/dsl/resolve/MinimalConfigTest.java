package io.amctkit.dsl.resolve;

import com.fasterxml.jackson.databind.JsonNode;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static io.amctkit.dsl.Amct.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The minimal cfg of every accepted reference case resolves to the same JSON and is never longer. */
class MinimalConfigTest {

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.amctkit.dsl.resolve.ResolutionReferenceTest#cases")
    void minimalConfigResolvesIdenticallyAndIsNeverLonger(String id, String modeName) {
        JsonNode c = ReferenceCases.read(ReferenceCases.dir().resolve(id + ".json"));
        RetrainConfig original = RetrainConfig.parse(c.path("cfg_text").asText());
        List<Layer> layers = ReferenceCases.layerSet(c.path("layer_set").asText());
        Mode mode = ResolutionReferenceTest.MODES.get(modeName);
        Resolution resolution = Resolver.resolve(original, layers, mode);
        if (!c.path("results").path(modeName).path("status").asText().equals("ok")) {
            // AMCT rejected it: there is no result to minimise, and MinimalConfig says so rather than inventing one
            assertFalse(resolution.isAccepted(), "AMCT rejects " + id + " in " + modeName + "; amctkit accepts it");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MinimalConfig.of(resolution));
            assertTrue(e.getMessage().contains("AMCT rejects this config"), e.getMessage());
            return;
        }
        RetrainConfig minimal = MinimalConfig.of(resolution);
        Resolution again = Resolver.resolve(minimal, layers, mode);
        assertTrue(again.isAccepted(), () -> "minimal cfg rejected: " + again.rejection() + "\n" + minimal);
        assertEquals(resolution.toAmctJson(), again.toAmctJson(), () -> "minimal cfg:\n" + minimal);
        assertTrue(minimal.toString().length() <= original.toString().length());
    }

    @Test
    void redundantOverridesAndSkipsAreDropped() {
        List<Layer> layers = List.of(Layer.of("c1", "Conv2d", 4, 8, 1), Layer.of("c2", "Conv2d", 8, 8, 1),
                Layer.of("c3", "Conv2d", 8, 8, 1), Layer.of("fc", "Linear", 8, 2, 1));
        RetrainConfig verbose = config()
                .activations(ulq().clipRange(-4, 4))
                .override(layer("c1").activations(ulq().clipRange(-2, 2)))
                .override(layer("c2").activations(ulq().clipRange(-2, 2)))
                .override(layer("c3").activations(ulq().clipRange(-2, 2)))
                .override(layer("fc").activations(ulq().clipRange(-4, 4)).weights(arq().channelWise(false)));
        Resolution r = Resolver.resolve(verbose, layers, Mode.QUANT);
        RetrainConfig minimal = MinimalConfig.of(r);
        assertEquals(r.toAmctJson(), Resolver.resolve(minimal, layers, Mode.QUANT).toAmctJson());
        assertTrue(minimal.toProto().getOverrideLayerConfigsCount() <= 1, minimal.toString());
        assertTrue(minimal.toString().length() < verbose.toString().length());
    }
}
