package io.amctkit.runtime.tuning;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.Layer;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.dsl.resolve.Resolver;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.evaluation.ModelEvaluator;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.prune.FilterPruningTest;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The config rewrite keeps every other layer as it was (AMCT's precedence); tuning meets its target and says so truly. */
class TuneTest {

    @TempDir
    Path dir;

    static final List<Layer> LAYERS = List.of(Layer.of("c1", "Conv2d", 3, 8, 1), Layer.of("c2", "Conv2d", 8, 8, 1),
            Layer.of("fc1", "Linear", 8, 8, 1), Layer.of("fc2", "Linear", 8, 4, 1));

    /** The whole pipeline in quant mode: session, calibration on 4 generated samples, exports, evaluation. */
    static Tuner.Pipeline pipeline(OnnxModel m, Kernels k, ModelEvaluator.Options options) {
        return c -> {
            SessionResult s = Calibration.calibrate(m, Session.of(m, c, Mode.QUANT).run(k, Session.Progress.NONE), Optional.empty(), 4, 1, k);
            return new Tuner.Candidate(c, s, ModelEvaluator.evaluate(m, s, "quant", options).orElseThrow());
        };
    }

    @Test
    void keepingALayerFloatSpellsOutTheTypeOverrideThatWouldBeatTheSkip() {
        String text = "retrain_data_quant_config { ulq_quantize { dst_type: INT8 } }\n"
                + "retrain_weight_quant_config { arq_retrain { channel_wise: true } }\n"
                + "override_layer_types { layer_type: \"Linear\" retrain_weight_quant_config { arq_retrain { channel_wise: false } } }\n"
                + "override_layer_configs { layer_name: \"c2\" retrain_data_quant_config { ulq_quantize { dst_type: INT16 } } }\n";
        // a float Linear takes the global channel_wise weights, which AMCT rejects; c1 uses them too, so no rewrite
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ConfigRewrite.of(RetrainConfig.parse("q.cfg", text), LAYERS, Mode.QUANT, Set.of("fc1", "c2"), Set.of()));
        assertTrue(refused.getMessage().contains("c1 would resolve differently"), refused.getMessage());
        // with c1 on its own override, nothing that stays quantized uses the global weights: per-tensor there is safe
        RetrainConfig cfg = RetrainConfig.parse("q.cfg", text + "override_layer_configs { layer_name: \"c1\""
                + " retrain_weight_quant_config { arq_retrain { channel_wise: true } } }\n");
        ConfigRewrite.Rewritten r = ConfigRewrite.of(cfg, LAYERS, Mode.QUANT, Set.of("fc1", "c2"), Set.of());
        Resolution after = Resolver.resolve(r.config(), LAYERS, Mode.QUANT);
        Resolution before = Resolver.resolve(cfg, LAYERS, Mode.QUANT);
        assertTrue(after.isAccepted());
        assertFalse(after.plan("fc1").orElseThrow().quant().orElseThrow().enabled());
        assertFalse(after.plan("c2").orElseThrow().quant().orElseThrow().enabled());
        Map<String, Object> a = before.toAmctJson();
        Map<String, Object> b = after.toAmctJson();
        assertEquals(a.get("c1"), b.get("c1"));
        assertEquals(a.get("fc2"), b.get("fc2"), "fc2 keeps the type override's config, now as its own layer override");
        assertTrue(r.config().toProto().getOverrideLayerTypesCount() == 0);
        assertTrue(r.changes().stream().anyMatch(c -> c.contains("spelled out")), r.changes().toString());
        assertTrue(r.changes().stream().anyMatch(c -> c.contains("channel_wise: false")), "fc1 takes the global weights: " + r.changes());
    }

    @Test
    void aLayerWhoseOwnOverrideCarriesAPruneConfigCannotBeKeptFloat() {
        RetrainConfig cfg = RetrainConfig.parse("c.cfg", "retrain_data_quant_config { ulq_quantize { dst_type: INT8 } }\n"
                + "retrain_weight_quant_config { arq_retrain { channel_wise: true } }\n"
                + "override_layer_configs { layer_name: \"c2\" prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.3 } } } }\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigRewrite.of(cfg, LAYERS, Mode.COMPRESSED, Set.of("c2"), Set.of()));
        assertTrue(e.getMessage().contains("override_layer_configs"), e.getMessage());
    }

    @Test
    void tuningMeetsItsTargetAndTheClaimedFigureIsTheMeasuredOne() throws Exception {
        Path file = FilterPruningTest.p1().write(dir.resolve("p1.onnx"));
        RetrainConfig cfg = RetrainConfig.parse("c.cfg", "retrain_data_quant_config { ulq_quantize { dst_type: INT8 } }\n"
                + "retrain_weight_quant_config { arq_retrain { channel_wise: false dst_type: INT4 } }\n");
        try (OnnxModel m = (OnnxModel) Models.open(file); Kernels k = Backends.select().kernels(1)) {
            SampleSource eval = SampleSource.generated(2, 1234);
            ModelEvaluator.Options options = new ModelEvaluator.Options(eval, 8, Optional.empty(), 1);
            Tuner.Pipeline pipeline = pipeline(m, k, options);
            Evaluation base = pipeline.evaluate(cfg).evaluation();
            double target = base.fakeQuant().orElseThrow().main().sqnrDb() + 10;
            TuneResult r = Tuner.tune(m, cfg, Mode.QUANT, pipeline, new Tuner.Options(new Target(Target.Kind.SQNR_DB, target), eval, 8,
                    Optional.empty(), 1, false), Tuner.Progress.NONE);
            assertTrue(r.met(), r.summary());
            assertFalse(r.keptUncompressed().isEmpty());
            assertTrue(r.keptUncompressed().size() < 4, "not everything kept float: " + r.keptUncompressed());
            int n = m.layers().size();
            assertTrue(r.searchEvaluations() <= Math.ceil(Math.log(n) / Math.log(2)) + 1 && r.fullEvaluations() <= 4, r.summary());
            // independently: the tuned config, read back from its text, evaluated afresh, gives the claimed figure
            String text = TunedConfig.text(r, "c.cfg", Mode.QUANT);
            RetrainConfig back = RetrainConfig.parse("tuned.cfg", text);
            assertFalse(back.validate(Mode.QUANT).hasErrors());
            assertTrue(Resolver.resolve(back, m.layers().stream().map(ModelLayer::toLayer).toList(), Mode.QUANT).isAccepted());
            Evaluation again = pipeline.evaluate(back).evaluation();
            assertEquals(r.tuned().evaluation().fakeQuant().orElseThrow().main().sqnrDb(), again.fakeQuant().orElseThrow().main().sqnrDb(), 1e-9);
            assertTrue(again.fakeQuant().orElseThrow().main().sqnrDb() >= target);
            for (String kept : r.keptUncompressed()) {
                assertTrue(text.contains("# " + kept + ": kept float"), text);
            }
        }
    }

    @Test
    void withInt4TheLeastCostlyLayersTakeInt4WeightsWhileTheTargetHolds() throws Exception {
        Path file = FilterPruningTest.p1().write(dir.resolve("p1.onnx"));
        RetrainConfig cfg = RetrainConfig.parse("c.cfg", "retrain_data_quant_config { ulq_quantize { dst_type: INT8 } }\n"
                + "retrain_weight_quant_config { arq_retrain { channel_wise: false } }\n");
        try (OnnxModel m = (OnnxModel) Models.open(file); Kernels k = Backends.select().kernels(1)) {
            SampleSource eval = SampleSource.generated(2, 77);
            ModelEvaluator.Options options = new ModelEvaluator.Options(eval, 8, Optional.empty(), 1);
            Tuner.Pipeline pipeline = pipeline(m, k, options);
            double base = pipeline.evaluate(cfg).evaluation().fakeQuant().orElseThrow().main().sqnrDb();
            Target target = new Target(Target.Kind.SQNR_DB, base - 12);
            TuneResult r = Tuner.tune(m, cfg, Mode.QUANT, pipeline, new Tuner.Options(target, eval, 8, Optional.empty(), 1, true),
                    Tuner.Progress.NONE);
            assertTrue(r.met());
            assertTrue(r.keptUncompressed().isEmpty(), "the original meets the target: nothing kept float");
            assertFalse(r.int4Weights().isEmpty(), r.summary());
            assertTrue(r.tuned().session().bitsAfter() < r.original().session().bitsAfter(), "more compression than the original");
            assertTrue(target.met(r.tuned().evaluation()));
            String text = TunedConfig.text(r, "c.cfg", Mode.QUANT);
            Resolution back = Resolver.resolve(RetrainConfig.parse("tuned.cfg", text), m.layers().stream().map(ModelLayer::toLayer).toList(), Mode.QUANT);
            for (String layer : r.int4Weights()) {
                var q = back.plan(layer).orElseThrow().quant().orElseThrow();
                assertTrue(q.weightType() == io.amctkit.dsl.proto.DataType.INT4 || q.int4Downgraded(), layer);
                assertTrue(text.contains("# " + layer + ": INT4 weights (A8W4)"), text);
            }
        }
    }
}
