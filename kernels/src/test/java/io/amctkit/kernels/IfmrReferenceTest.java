package io.amctkit.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IFMR: candidates, percentiles, the chosen scale/offset and clips, the loss trace, and batch accumulation. */
class IfmrReferenceTest {

    static final JsonNode REF = KernelReference.load("ifmr.json");

    static Stream<Arguments> cases() {
        return BackendContract.cross(ScaleOffsetReferenceTest.list(REF.get("cases")));
    }

    static Ifmr.Params params(JsonNode p) {
        return new Ifmr.Params(p.get("num_bits").asInt(), p.get("with_offset").asBoolean(), p.get("max_percentile").asDouble(),
                p.get("min_percentile").asDouble(), p.get("search_start").asDouble(), p.get("search_end").asDouble(),
                p.get("search_step").asDouble());
    }

    @ParameterizedTest(name = "{0} {index}")
    @MethodSource("cases")
    void searchMatchesAmct(String backend, JsonNode c) {
        INDArray x = KernelReference.tensor(REF.get("inputs").get(c.get("input").asText()));
        Ifmr.Result r = BackendContract.kernels(backend).ifmr(x, params(c.get("params")));
        String what = c.get("input").asText() + " " + c.get("params");
        KernelReference.assertBits(KernelReference.floats(c.get("ratio_candidates")), r.ratios(), what + " ratios");
        assertEquals(KernelReference.f(c.get("percentile_max_value")), r.percentileMax(), what + " percentile max");
        assertEquals(KernelReference.f(c.get("percentile_min_value")), r.percentileMin(), what + " percentile min");
        assertEquals(KernelReference.f(c.get("scale")), r.scale(), what + " scale");
        assertEquals(KernelReference.f(c.get("offset")), r.offset(), what + " offset");
        assertEquals(KernelReference.f(c.get("clip_max")), r.clipMax(), what + " clip_max");
        assertEquals(KernelReference.f(c.get("clip_min")), r.clipMin(), what + " clip_min");
    }

    @Test
    void lossTraceMatchesWithinReductionOrder() {
        JsonNode t = REF.get("loss_trace");
        Ifmr.Result r = Ifmr.run(KernelReference.tensor(REF.get("inputs").get(t.get("input").asText())),
                new Ifmr.Params(t.get("num_bits").asInt(), t.get("with_offset").asBoolean(), 0.999999, 0.999999, 0.7, 1.3, 0.01));
        float[] losses = KernelReference.floats(t.get("losses"));
        for (int i = 0; i < losses.length; i++) {
            assertEquals(losses[i], r.losses()[i], 1e-6 * Math.abs(losses[i]), "loss " + i);
        }
        assertEquals(t.get("argmin").asInt(), r.best());
    }

    @Test
    void batchNumBatchesAreAccumulatedBeforeTheSearch() {
        for (JsonNode m : REF.get("module_cases")) {
            IfmrCalibrator calibrator = new IfmrCalibrator(Ifmr.Params.qatDefaults(8), m.get("batch_num").asInt());
            for (int i = 0; i < m.get("batches").size(); i++) {
                String[] spec = m.get("batches").get(i).asText().split(" \\* ");
                INDArray batch = KernelReference.tensor(REF.get("inputs").get(spec[0])).mul(Float.parseFloat(spec[1]));
                Optional<Ifmr.Result> r = calibrator.accept(batch);
                JsonNode expected = m.get("results_per_call").get(i);
                assertEquals(expected.get("flag").asBoolean(), r.isPresent());
                if (r.isPresent()) {
                    assertEquals(KernelReference.f(expected.get("scale")), r.get().scale());
                    assertEquals(KernelReference.f(expected.get("clip_max")), r.get().clipMax());
                    assertEquals(KernelReference.f(expected.get("clip_min")), r.get().clipMin());
                }
            }
            assertTrue(calibrator.isDone());
        }
    }
}
