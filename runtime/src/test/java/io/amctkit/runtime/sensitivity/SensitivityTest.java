package io.amctkit.runtime.sensitivity;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.evaluation.ModelEvaluator;
import io.amctkit.runtime.export.FakeQuantExport;
import io.amctkit.runtime.export.PrunedExport;
import io.amctkit.runtime.export.SwitchableExport;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.prune.FilterPruningTest;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The switchable model computes the float model with every switch off and the compressed models with every switch
 * on; a layer's "only this layer" metrics equal those of a session that compresses only that layer.
 */
class SensitivityTest {

    static final String QUANT = "retrain_data_quant_config { ulq_quantize { dst_type: INT8 } }\n"
            + "retrain_weight_quant_config { arq_retrain { channel_wise: false dst_type: INT4 } }\n";

    @TempDir
    Path dir;

    static SessionResult session(OnnxModel m, String cfg, Mode mode, Kernels k) {
        SessionResult s = Session.of(m, RetrainConfig.parse("c.cfg", cfg), mode).run(k, Session.Progress.NONE);
        return Calibration.calibrate(m, s, Optional.empty(), 4, 1, k);
    }

    /** Runs {@code model} on one generated sample (the same for every call), optionally with switches. */
    static float[] output(ModelProto model, float[] switches) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(model.toByteArray())) {
            Map<String, ai.onnxruntime.NodeInfo> inputs = new LinkedHashMap<>(s.getInputInfo());
            inputs.remove(SwitchableExport.SWITCHES);
            Map<String, OnnxTensor> x = new LinkedHashMap<>(SampleSource.generated(2, 3).open(inputs, env).next());
            if (switches != null) {
                x.put(SwitchableExport.SWITCHES, OnnxTensor.createTensor(env, FloatBuffer.wrap(switches), new long[]{switches.length}));
            }
            try (OrtSession.Result r = s.run(x)) {
                FloatBuffer f = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] v = new float[f.remaining()];
                f.get(v);
                return v;
            } finally {
                x.values().forEach(OnnxTensor::close);
            }
        }
    }

    static void close(float[] expected, float[] actual, double relative, String what) {
        double largest = 0;
        for (float v : expected) {
            largest = Math.max(largest, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= relative * largest, what + " [" + i + "]: " + actual[i] + " vs " + expected[i]);
        }
    }

    @Test
    void switchesOffGiveTheFloatModelAndOnTheFakeQuantAndPrunedModels() throws Exception {
        Path file = FilterPruningTest.p1().write(dir.resolve("p1.onnx"));
        try (OnnxModel m = (OnnxModel) Models.open(file); Kernels k = Backends.select().kernels(1)) {
            SessionResult s = session(m, QUANT, Mode.QUANT, k);
            SwitchableExport.Result sw = SwitchableExport.of(m, s);
            assertEquals(java.util.List.of("conv1", "conv2", "fc1", "fc2"), sw.layers());
            float[] off = new float[4];
            float[] on = {1, 1, 1, 1};
            close(output(m.proto(), null), output(sw.model(), off), 1e-5, "every switch off: the float model (ONNX Runtime fuses"
                    + " the float model's constant weights, so the last bits may differ)");
            close(output(FakeQuantExport.of(m, s).model(), null), output(sw.model(), on), 1e-5, "every switch on: the fake-quant model");

            SessionResult pruned = session(m, FilterPruningTest.PRUNE_03, Mode.PRUNE, k);
            SwitchableExport.Result sp = SwitchableExport.of(m, pruned);
            assertEquals(java.util.List.of("conv1", "conv2", "fc1"), sp.layers(), "fc2 keeps its filters: nothing to switch");
            close(output(PrunedExport.of(m, pruned).model().orElseThrow(), null), output(sp.model(), new float[]{1, 1, 1}), 1e-5,
                    "every switch on: the pruned model");
        }
    }

    @Test
    void onlyThisLayerEqualsASessionThatCompressesOnlyThatLayer() throws Exception {
        Path file = FilterPruningTest.p1().write(dir.resolve("p1.onnx"));
        try (OnnxModel m = (OnnxModel) Models.open(file); Kernels k = Backends.select().kernels(1)) {
            SessionResult all = session(m, QUANT, Mode.QUANT, k);
            SampleSource source = SampleSource.generated(2, 42);
            SensitivityResult r = Sensitivity.run(m, all, source, 5, Optional.empty(), 1, Sensitivity.Progress.NONE);
            assertEquals(2 * 4 + 2, r.evaluations());
            assertEquals(4, r.layers().size());
            for (int i = 1; i < r.layers().size(); i++) {
                assertTrue(r.layers().get(i - 1).onlyThis().sqnrDb() <= r.layers().get(i).onlyThis().sqnrDb(), "most sensitive first");
            }
            // independently: quantize only conv2 (the others skipped), export, evaluate against float
            SessionResult only = session(m, QUANT + "quant_skip_layers: \"conv1\"\nquant_skip_layers: \"fc1\"\nquant_skip_layers: \"fc2\"\n", Mode.QUANT, k);
            Evaluation e = ModelEvaluator.evaluate(m, only, "quant", new ModelEvaluator.Options(source, 5, Optional.empty(), 1)).orElseThrow();
            SensitivityResult.LayerImpact conv2 = r.layers().stream().filter(l -> l.layer().equals("conv2")).findFirst().orElseThrow();
            assertEquals(e.fakeQuant().orElseThrow().main().sqnrDb(), conv2.onlyThis().sqnrDb(), 0.05, "only conv2: SQNR");
            assertEquals(e.fakeQuant().orElseThrow().main().cosineMean(), conv2.onlyThis().cosineMean(), 1e-4, "only conv2: cosine");
            Evaluation everything = ModelEvaluator.evaluate(m, all, "quant", new ModelEvaluator.Options(source, 5, Optional.empty(), 1)).orElseThrow();
            assertEquals(everything.fakeQuant().orElseThrow().main().sqnrDb(), r.all().sqnrDb(), 0.05, "all layers");
            assertTrue(r.toJson().contains("\"only_this\"") && r.toJson().contains("\"all_but_this\""));
            assertEquals(4, r.table().rowCount());
        }
    }
}
