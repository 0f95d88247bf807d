package io.amctkit.runtime.retrain;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.evaluation.Accuracy;
import io.amctkit.runtime.evaluation.ModelEvaluator;
import io.amctkit.runtime.export.PrunedExport;
import io.amctkit.runtime.fixtures.FashionMnist;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Refitting the consumers of pruned channels (least squares on training images) recovers most of what 30 % filter
 * pruning loses, measured on the 10 000 held-out test images.
 */
@Tag("real-model")
class ConsumerRefitTest {

    @Test
    void refittingTheConsumersRecoversThePrunedAccuracy() throws Exception {
        FashionMnist.Images train = FashionMnist.images("train-images-idx3-ubyte.gz");
        FashionMnist.Images test = FashionMnist.testImages();
        long[] labels = FashionMnist.testLabels();
        try (OnnxModel m = (OnnxModel) Models.open(FashionMnist.model()); Kernels k = Backends.select().kernels(2)) {
            SessionResult s = Session.of(m, RetrainConfig.parse("p.cfg", "prune_config { filter_pruner {"
                    + " balanced_l2_norm_filter_prune { prune_ratio: 0.3 ascend_optimized: false } } }\n"), Mode.PRUNE)
                    .run(k, Session.Progress.NONE);
            ModelProto pruned = PrunedExport.of(m, s).model().orElseThrow();
            ConsumerRefit.Result refit = ConsumerRefit.refit(m.proto(), pruned, s.filterPruning(), FashionMnist.source(train, 1000), 1000, 1e-3);
            for (Map.Entry<String, double[]> e : refit.errors().entrySet()) {
                assertTrue(e.getValue()[1] < e.getValue()[0], e.getKey() + " reconstructs better: " + e.getValue()[0] + " -> " + e.getValue()[1]);
            }
            ModelEvaluator.Options all = new ModelEvaluator.Options(FashionMnist.source(test, 10_000), 10_000, Optional.of(labels), 2);
            Accuracy before = accuracy(m, pruned, all);
            Accuracy after = accuracy(m, refit.model(), all);
            double lost = before.floatModel() - before.pruned().getAsDouble();
            double recovered = after.pruned().getAsDouble() - before.pruned().getAsDouble();
            System.out.println("refit: float " + before.floatModel() + ", pruned " + before.pruned().getAsDouble() + ", refitted "
                    + after.pruned().getAsDouble() + " " + refit.errors().keySet() + " skipped " + refit.skipped());
            assertTrue(recovered >= 0.75 * lost, "recovers at least three quarters of the accuracy pruning loses: " + after.line());
        }
    }

    /** Float and pruned accuracy of {@code pruned} on the test images (the float model's via the evaluator). */
    static Accuracy accuracy(OnnxModel m, ModelProto pruned, ModelEvaluator.Options options) throws Exception {
        var measured = io.amctkit.runtime.evaluation.ModelEvaluatorAccess.measure(m.proto(), Map.of("pruned", pruned), options);
        return measured;
    }
}
