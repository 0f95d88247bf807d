package io.amctkit.runtime.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.fixtures.FashionMnist;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.sensitivity.Sensitivity;
import io.amctkit.runtime.sensitivity.SensitivityResult;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A CNN trained on Fashion-MNIST (make_fashion_cnn.py), on the 10 000 test images: float, fake-quant (A8W8, calibrated
 * on training images) and 30 %-filter-pruned top-1 accuracy, and the sensitivity ranking with labels.
 */
@Tag("real-model")
class FashionMnistTest {

    static final String A8W8 = "retrain_data_quant_config { ulq_quantize { dst_type: INT8 } }\n"
            + "retrain_weight_quant_config { arq_retrain { channel_wise: false } }\n";
    static final String PRUNE_30 = "prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.3"
            + " ascend_optimized: false } } }\n";

    static SessionResult calibrated(OnnxModel m, String cfg, Mode mode, Kernels k) throws Exception {
        SessionResult s = Session.of(m, RetrainConfig.parse("c.cfg", cfg), mode).run(k, Session.Progress.NONE);
        if (s.layers().stream().noneMatch(io.amctkit.runtime.session.LayerReport::quantized)) {
            return s;
        }
        // calibration on training images, never the test images evaluated on
        FashionMnist.Images train = FashionMnist.images("train-images-idx3-ubyte.gz");
        return s.withCalibration(Calibration.run(m, s.resolution(), FashionMnist.source(train, 64), 64, k));
    }

    @Test
    void floatFakeQuantAndPrunedAccuracyOnTheTestImages() throws Exception {
        JsonNode expected = new ObjectMapper().readTree(FashionMnistTest.class.getResourceAsStream("/models/fashion_cnn_expected.json"));
        FashionMnist.Images test = FashionMnist.testImages();
        long[] labels = FashionMnist.testLabels();
        assertEquals(10_000, test.count());
        try (OnnxModel m = (OnnxModel) Models.open(FashionMnist.model()); Kernels k = Backends.select().kernels(2)) {
            var source = FashionMnist.source(test, 10_000);
            SessionResult quant = calibrated(m, A8W8, Mode.QUANT, k);
            Accuracy q = ModelEvaluator.evaluate(m, quant, "quant", new ModelEvaluator.Options(source, 10_000, Optional.of(labels), 2))
                    .orElseThrow().accuracy().orElseThrow();
            SessionResult prune = calibrated(m, PRUNE_30, Mode.PRUNE, k);
            Accuracy p = ModelEvaluator.evaluate(m, prune, "prune", new ModelEvaluator.Options(source, 10_000, Optional.of(labels), 2))
                    .orElseThrow().accuracy().orElseThrow();
            Accuracy a = new Accuracy(q.floatModel(), q.fakeQuant(), p.pruned(), q.samples());
            assertEquals(10_000, a.samples());
            // the float model in ONNX Runtime classifies as torch did when it was trained
            assertEquals(expected.get("float_correct").asInt(), Math.round(a.floatModel() * 10_000), 3.0, a.line());
            assertEquals(q.floatModel(), p.floatModel());
            assertTrue(a.fakeQuant().getAsDouble() > a.floatModel() - 0.02, "A8W8 costs little: " + a.line());
            assertTrue(a.pruned().getAsDouble() < a.floatModel() - 0.02 && a.pruned().getAsDouble() > 0.2,
                    "30 % of the filters cost accuracy before any fine-tuning, but the model still classifies: " + a.line());
            assertTrue(prune.filterPruning().records().stream().anyMatch(io.amctkit.runtime.prune.FilterPruneRecord::prunes));
            // compressed: AMCT prunes first, then trains INT8 on the pruned model; the fake-quant model is that model
            SessionResult both = calibrated(m, A8W8 + PRUNE_30, Mode.COMPRESSED, k);
            Accuracy c = ModelEvaluator.evaluate(m, both, "compressed", new ModelEvaluator.Options(source, 10_000, Optional.of(labels), 2))
                    .orElseThrow().accuracy().orElseThrow();
            assertEquals(c.pruned().getAsDouble(), c.fakeQuant().getAsDouble(), 0.02, "compressed fake-quant = pruned + INT8: " + c.line());
            System.out.println("fashion-mnist compressed " + c.line());
            System.out.println("fashion-mnist " + a.line());
        }
    }

    @Test
    void sensitivityRanksTheLayersWithAccuracy() throws Exception {
        FashionMnist.Images test = FashionMnist.testImages();
        long[] labels = java.util.Arrays.copyOf(FashionMnist.testLabels(), 2000);
        try (OnnxModel m = (OnnxModel) Models.open(FashionMnist.model()); Kernels k = Backends.select().kernels(2)) {
            SessionResult s = calibrated(m, A8W8.replace("channel_wise: false", "channel_wise: false dst_type: INT4"), Mode.QUANT, k);
            SensitivityResult r = Sensitivity.run(m, s, FashionMnist.source(test, 2000), 2000, Optional.of(labels), 2,
                    Sensitivity.Progress.NONE);
            assertEquals(5, r.layers().size(), "conv1-3, fc1, fc2");
            assertEquals(2 * 5 + 2, r.evaluations());
            double floatAcc = r.floatAccuracy().orElseThrow();
            for (SensitivityResult.LayerImpact l : r.layers()) {
                // one layer in INT4 costs no more than all five in INT4
                assertTrue(l.onlyAccuracy().orElseThrow() >= r.allAccuracy().orElseThrow() - 0.01, l.layer() + ": " + l.onlyAccuracy());
                assertTrue(l.onlyAccuracy().orElseThrow() <= floatAcc + 0.01, l.layer());
            }
            // ranked by output SQNR with only that layer compressed, the most sensitive first
            for (int i = 1; i < r.layers().size(); i++) {
                assertTrue(r.layers().get(i - 1).onlyThis().sqnrDb() <= r.layers().get(i).onlyThis().sqnrDb());
            }
            System.out.println(r.table().printAll());
            System.out.println(r.summary());
        }
    }
}
