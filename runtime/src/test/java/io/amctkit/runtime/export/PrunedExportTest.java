package io.amctkit.runtime.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.model.ModelZoo;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The filter-pruned PaddleOCR detector, channels physically removed, runs in ONNX Runtime with unchanged output shapes. */
@Tag("real-model")
class PrunedExportTest {

    @Test
    void theFilterPrunedDetectorRunsInOnnxRuntime() throws Exception {
        RetrainConfig cfg = RetrainConfig.parse("p.cfg", "prune_config { filter_pruner { balanced_l2_norm_filter_prune {"
                + " prune_ratio: 0.5 ascend_optimized: false } } }\n");
        try (OnnxModel m = (OnnxModel) Models.open(ModelZoo.standard().fetch(ModelZoo.entry("paddleocr-det").orElseThrow()))) {
            SessionResult s = Session.of(m, cfg, Mode.PRUNE).run(Backends.select().kernels(2), Session.Progress.NONE);
            PrunedExport.Result r = PrunedExport.of(m, s);
            assertTrue(r.pruned().size() >= 20, r.pruned() + " / " + r.keptWhole());
            assertTrue(r.keptWhole().stream().anyMatch(k -> k.contains("Concat")), "layers feeding the FPN concat stay whole");
            // a pruned layer's weight really lost its filters
            String first = r.pruned().get(0);
            LayerReport report = s.layers().stream().filter(l -> l.name().equals(first)).findFirst().orElseThrow();
            String weight = m.layer(first).orElseThrow().weight().name();
            var w = r.model().getGraph().getNodeList().stream()
                    .filter(n -> n.getOpType().equals("Constant") && n.getOutput(0).equals(weight)).findFirst()
                    .map(n -> n.getAttribute(0).getT())
                    .orElseGet(() -> r.model().getGraph().getInitializerList().stream().filter(t -> t.getName().equals(weight)).findFirst().orElseThrow());
            assertEquals(report.keptFilters().getAsInt(), w.getDims(0));
            assertTrue(r.model().getSerializedSize() < 0.5 * java.nio.file.Files.size(m.source()), "less than half the bytes");
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession pruned = env.createSession(r.model().toByteArray(), new OrtSession.SessionOptions());
                 OrtSession original = env.createSession(m.source().toString(), new OrtSession.SessionOptions())) {
                Map<String, OnnxTensor> sample = SampleSource.generated(1, 3).open(original, env).next();
                try (OrtSession.Result a = pruned.run(sample); OrtSession.Result b = original.run(sample)) {
                    OnnxTensor ya = (OnnxTensor) a.get(0);
                    assertArrayEquals(((OnnxTensor) b.get(0)).getInfo().getShape(), ya.getInfo().getShape());
                    FloatBuffer f = ya.getFloatBuffer();
                    while (f.hasRemaining()) {
                        float v = f.get();
                        assertTrue(v >= 0 && v <= 1, "a probability map: " + v);
                    }
                } finally {
                    sample.values().forEach(OnnxTensor::close);
                }
            }
        }
    }
}
