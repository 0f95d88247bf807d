package io.amctkit.runtime.calibration;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.LayerPlan;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.dsl.resolve.Resolver;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.ModelZoo;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.session.RecordFile;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Activation calibration in ONNX Runtime on real models: IFMR clips, activation error, the suggested config, the record. */
@Tag("real-model")
class CalibrationTest {

    private final Kernels kernels = Backends.select().kernels(2);

    private static OnnxModel zoo(String id) {
        return (OnnxModel) Models.open(ModelZoo.standard().fetch(ModelZoo.entry(id).orElseThrow()));
    }

    @Test
    void miniLmIsCalibratedWithIfmrAndTheSuggestionCarriesTheClips() throws Exception {
        RetrainConfig cfg = RetrainConfig.parse("ifmr.cfg", "batch_num: 2\nretrain_data_quant_config { ulq_quantize { dst_type: INT8 } }\n"
                + "retrain_weight_quant_config { arq_retrain { channel_wise: false } }\n");
        try (OnnxModel m = zoo("minilm")) {
            assertEquals(30522, Calibration.vocabulary(m), "the word embedding table's rows");
            SessionResult session = Session.of(m, cfg, Mode.QUANT).run(kernels, Session.Progress.NONE);
            Calibration.Result c = Calibration.run(m, session.resolution(), SampleSource.generated(30522, 1), 8, kernels);
            assertEquals(36, c.layers().size(), c.notes().toString());
            for (Calibration.LayerActivation a : c.layers().values()) {
                assertTrue(a.fromIfmr());
                assertTrue(a.clipMin() < 0 && a.clipMax() > 0 && Float.isFinite(a.clipMax()), a.toString());
                assertTrue(a.sqnrDb() > 5 && a.sqnrDb() < 60, a.toString());
                // the saved models quantize (almost) every activation as training does: x·(1/s) vs x/s differ on a few ulps
                assertTrue(a.deployMismatch() >= 0 && a.deployMismatch() < 1e-3, a.toString());
                assertTrue(a.fakeQuantMismatch() >= 0 && a.fakeQuantMismatch() < 1e-3, a.toString());
            }
            // query, key and value read the same tensor: the same clips
            var q = c.layers().get("encoder.layer.3.attention.self.query");
            var k = c.layers().get("encoder.layer.3.attention.self.key");
            assertEquals(q.clipMax(), k.clipMax());
            assertEquals(q.clipMin(), k.clipMin());

            SuggestedConfig.Suggestion s = SuggestedConfig.of(cfg, session.resolution(), c);
            assertEquals(36, s.overrides());
            assertTrue(!s.config().validate(Mode.QUANT).hasErrors(), s.config().validate(Mode.QUANT).toString());
            List<io.amctkit.dsl.resolve.Layer> layers = m.layers().stream().map(ModelLayer::toLayer).toList();
            Resolution again = Resolver.resolve(RetrainConfig.parse(s.config().toString()), layers, Mode.QUANT);
            QuantPlan plan = again.plan(q.layer()).flatMap(LayerPlan::quant).orElseThrow();
            assertEquals(q.clipMax(), plan.clipMax().orElseThrow(), "the suggestion fixes IFMR's clip");
            assertEquals(q.clipMin(), plan.clipMin().orElseThrow());
            assertEquals("arq_retrain", plan.weightAlgo());
            assertTrue(!plan.channelWise(), "the weight settings are unchanged");

            var record = RecordFile.of(session.withCalibration(c), m);
            var first = record.getRecordList().stream().filter(e -> e.getKey().equals(q.layer())).findFirst().orElseThrow().getValue();
            assertEquals(q.scale(), first.getScaleD());
            assertEquals(q.offset(), first.getOffsetD());
        }
    }

    @Test
    void layersInsideIfBodiesAreNamedAsNotObservable() throws Exception {
        RetrainConfig cfg = RetrainConfig.parse("q.cfg", "retrain_weight_quant_config { arq_retrain { channel_wise: true } }\n");
        try (OnnxModel m = zoo("silero-vad")) {
            SessionResult session = Session.of(m, cfg, Mode.QUANT).run(kernels, Session.Progress.NONE);
            Calibration.Result c = Calibration.run(m, session.resolution(), SampleSource.generated(30000, 1), 1, kernels);
            assertTrue(c.notes().stream().anyMatch(n -> n.contains("inside an If/Loop body")), c.notes().toString());
        }
    }
}
