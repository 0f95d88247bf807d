package io.amctkit.runtime.retrain;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.evaluation.ModelEvaluator;
import io.amctkit.runtime.export.Exports;
import io.amctkit.runtime.fixtures.FashionMnist;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retraining the Fashion-MNIST CNN on training images, measured on the 10 000 held-out test images: A8W8 within half a
 * point of float, A8W4 per-tensor with at least half the calibrated-only loss recovered.
 */
@Tag("real-model")
class RetrainFashionTest {

    static FashionMnist.Images train;
    static FashionMnist.Images test;
    static long[] labels;

    @BeforeAll
    static void data() throws Exception {
        train = FashionMnist.images("train-images-idx3-ubyte.gz");
        test = FashionMnist.testImages();
        labels = FashionMnist.testLabels();
    }

    /** Float, calibrated-only and retrained top-1 accuracy on the test images. */
    record Accuracies(double floatModel, double calibrated, double retrained, RetrainResult result) {
    }

    static Accuracies run(String cfg, Mode mode, int samples) throws Exception {
        try (OnnxModel m = (OnnxModel) Models.open(FashionMnist.model()); Kernels k = Backends.select().kernels(2)) {
            SessionResult s = Session.of(m, RetrainConfig.parse("t.cfg", cfg), mode).run(k, Session.Progress.NONE);
            s = s.withCalibration(Calibration.run(m, s.resolution(), FashionMnist.source(train, samples), samples, k));
            ModelEvaluator.Options all = new ModelEvaluator.Options(FashionMnist.source(test, 10_000), 10_000, Optional.of(labels), 2);
            Evaluation before = ModelEvaluator.evaluate(m, s, mode.label(), all).orElseThrow();
            RetrainResult r = Retrainer.retrain(m, s, k, Retrainer.Options.defaults(FashionMnist.source(train, samples), samples, 2, 1),
                    (d, t, l) -> System.out.println(l.line()));
            Exports after = Exports.of(r.model(), r.session());
            Evaluation e = ModelEvaluator.evaluate(m, r.session(), mode.label(), after.fakeQuantModel(), after.prunedModel(), all);
            double variant = mode == Mode.PRUNE ? e.accuracy().get().pruned().getAsDouble() : e.accuracy().get().fakeQuant().getAsDouble();
            double variant0 = mode == Mode.PRUNE ? before.accuracy().get().pruned().getAsDouble() : before.accuracy().get().fakeQuant().getAsDouble();
            System.out.println(String.join("\n", before.lines()) + "\n" + String.join("\n", e.lines()));
            System.out.println(r.summary() + "float " + e.accuracy().get().floatModel() + " calibrated " + variant0 + " retrained " + variant);
            return new Accuracies(e.accuracy().get().floatModel(), variant0, variant, r);
        }
    }

    @Test
    void a8w8IsWithinHalfAPointOfFloat() throws Exception {
        Accuracies a = run("retrain_data_quant_config { ulq_quantize {} }\nretrain_weight_quant_config { arq_retrain {} }\n",
                Mode.QUANT, 1024);
        assertTrue(a.retrained() >= a.calibrated(), "retrained >= calibrated: " + a);
        assertTrue(a.floatModel() - a.retrained() <= 0.005, "within 0.5 point of float: " + a);
    }

    @Test
    void a8w4PerTensorHalvesTheCalibratedLoss() throws Exception {
        Accuracies a = run("retrain_data_quant_config { ulq_quantize {} }\nretrain_weight_quant_config { arq_retrain { dst_type: INT4 channel_wise: false } }\n",
                Mode.QUANT, 1024);
        double lost = a.floatModel() - a.calibrated();
        assertTrue(a.floatModel() - a.retrained() <= lost / 2, "at most half the calibrated-only loss: " + a);
    }

    @Test
    void thirtyPercentFilterPruningRecoversThreeQuartersOfItsLoss() throws Exception {
        Accuracies a = run("prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.3 ascend_optimized: false } } }\n",
                Mode.PRUNE, 1024);
        double lost = a.floatModel() - a.calibrated();
        assertTrue(lost > 0.2, "pruning alone loses much: " + a);
        assertTrue(a.retrained() - a.calibrated() >= 0.75 * lost, "recovers three quarters: " + a);
        assertTrue(a.result().count(RetrainedLayer.Status.REFITTED) >= 2, a.result().summary());
    }

    @Test
    void compressedTrainingHoldsTheTwoFourMasksAndHelps() throws Exception {
        Accuracies a = run("retrain_data_quant_config { ulq_quantize {} }\nretrain_weight_quant_config { arq_retrain { dst_type: INT4 channel_wise: false } }\n"
                + "prune_config { n_out_of_m_pruner { l1_selective_prune { n_out_of_m_type: M4N2 update_freq: 0 } } }\n", Mode.COMPRESSED, 512);
        assertTrue(a.retrained() >= a.calibrated(), "compressed: retrained >= calibrated: " + a);
        try (OnnxModel m = (OnnxModel) Models.open(FashionMnist.model())) {
            SessionResult before = Session.of(m, a.result().session().resolution().config(), Mode.COMPRESSED).run(Backends.select().kernels(2),
                    Session.Progress.NONE);
            for (var layer : before.layers()) {
                if (layer.pruneKind().equals("2:4")) {
                    var after = a.result().session().layers().stream().filter(l -> l.name().equals(layer.name())).findFirst().orElseThrow();
                    org.junit.jupiter.api.Assertions.assertArrayEquals(layer.artifacts().selectiveMask(), after.artifacts().selectiveMask(),
                            layer.name() + ": the 2:4 mask is the calibrated one");
                }
            }
        }
    }
}
