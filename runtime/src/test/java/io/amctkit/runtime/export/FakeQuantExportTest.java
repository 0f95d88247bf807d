package io.amctkit.runtime.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.LayerPlan;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.WeightLayout;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.ModelZoo;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fake-quant ONNX model runs in ONNX Runtime, and a quantized layer's output in it equals amctkit's own simulation
 * (ULQ on the input, ARQ on the weight, float matmul) within 1e-5 of the output's largest magnitude: the model computes
 * in the integer domain and scales afterwards, the simulation scales first, so only rounding differs.
 */
@Tag("real-model")
class FakeQuantExportTest {

    private final Kernels kernels = Backends.select().kernels(2);

    @Test
    void miniLmFakeQuantModelMatchesTheSimulation() throws Exception {
        RetrainConfig cfg = RetrainConfig.parse("ifmr.cfg", "retrain_data_quant_config { ulq_quantize { dst_type: INT8 } }\n"
                + "retrain_weight_quant_config { arq_retrain { channel_wise: false } }\n");
        try (OnnxModel m = (OnnxModel) Models.open(ModelZoo.standard().fetch(ModelZoo.entry("minilm").orElseThrow()))) {
            SessionResult s = Session.of(m, cfg, Mode.QUANT).run(kernels, Session.Progress.NONE);
            s = s.withCalibration(Calibration.run(m, s.resolution(), SampleSource.generated(30522, 1), 2, kernels));
            FakeQuantExport.Result fq = FakeQuantExport.of(m, s);
            assertEquals(36, fq.quantized().size(), fq.leftFloat().toString());
            String layer = "encoder.layer.2.intermediate.dense";
            ModelLayer l = m.layer(layer).orElseThrow();
            String in = m.observableInput(layer).orElseThrow();
            String out = m.proto().getGraph().getNodeList().stream().filter(n -> n.getName().equals("/encoder/layer.2/intermediate/dense/MatMul"))
                    .findFirst().orElseThrow().getOutput(0);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            var withTaps = io.amctkit.runtime.calibration.CalibrationTaps.withOutputs(fq.model(), Set.of(in, out));
            try (OrtSession session = env.createSession(withTaps.toByteArray(), new OrtSession.SessionOptions())) {
                Map<String, OnnxTensor> sample = SampleSource.generated(30522, 7).open(session, env).next();
                try (OrtSession.Result r = session.run(sample, Set.of(in, out, "last_hidden_state"))) {
                    float[] x = floats((OnnxTensor) r.get(in).get());
                    float[] y = floats((OnnxTensor) r.get(out).get());
                    long[] outShape = ((OnnxTensor) r.get("last_hidden_state").get()).getInfo().getShape();
                    assertArrayEquals(new long[]{1, 128, 384}, outShape);
                    var act = s.activation(layer).orElseThrow();
                    QuantPlan plan = s.resolution().plan(layer).flatMap(LayerPlan::quant).orElseThrow();
                    INDArray xq = kernels.ulqForward(Nd4j.create(x, new long[]{x.length / 384, 384}, 'c'),
                            ClipState.of(act.clipMax(), act.clipMin()), 8, plan.fixedMin().orElse(false)).output();
                    INDArray wq = kernels.arq(m.weight(l), WeightLayout.COUT_FIRST, 8, false).fakeQuantized();   // [1536, 384]
                    float[] sim = xq.mmul(wq.transpose()).dup('c').data().asFloat();
                    assertEquals(sim.length, y.length);
                    double largest = 0;
                    double worst = 0;
                    for (int i = 0; i < y.length; i++) {
                        largest = Math.max(largest, Math.abs(sim[i]));
                        worst = Math.max(worst, Math.abs(sim[i] - y[i]));
                    }
                    assertTrue(worst <= 1e-5 * largest, "largest difference " + worst + " against magnitude " + largest);
                } finally {
                    sample.values().forEach(OnnxTensor::close);
                }
            }
        }
    }

    @Test
    void paddleOcrDetectorFakeQuantModelRunsAndStaysCloseToFloat() throws Exception {
        try (OnnxModel m = (OnnxModel) Models.open(ModelZoo.standard().fetch(ModelZoo.entry("paddleocr-det").orElseThrow()))) {
            RetrainConfig cfg = io.amctkit.runtime.session.SeedsForModel.of(m).configs().get("quant");
            SessionResult s = Session.of(m, cfg, Mode.QUANT).run(kernels, Session.Progress.NONE);
            s = s.withCalibration(Calibration.run(m, s.resolution(), SampleSource.generated(30000, 1), 1, kernels));
            FakeQuantExport.Result fq = FakeQuantExport.of(m, s);
            assertEquals(64, fq.quantized().size(), fq.leftFloat().toString());
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession fake = env.createSession(fq.model().toByteArray(), new OrtSession.SessionOptions());
                 OrtSession real = env.createSession(m.source().toString(), new OrtSession.SessionOptions())) {
                Map<String, OnnxTensor> sample = SampleSource.generated(30000, 3).open(real, env).next();
                try (OrtSession.Result a = fake.run(sample); OrtSession.Result b = real.run(sample)) {
                    OnnxTensor ya = (OnnxTensor) a.get(0);
                    OnnxTensor yb = (OnnxTensor) b.get(0);
                    assertArrayEquals(yb.getInfo().getShape(), ya.getInfo().getShape());
                    float[] fa = floats(ya);
                    float[] fb = floats(yb);
                    double diff = 0;
                    for (int i = 0; i < fa.length; i++) {
                        assertTrue(Float.isFinite(fa[i]));
                        diff += Math.abs(fa[i] - fb[i]);
                    }
                    assertTrue(diff / fa.length < 0.05, "mean |fake-quant − float| of the probability map: " + diff / fa.length);
                } finally {
                    sample.values().forEach(OnnxTensor::close);
                }
            }
        }
    }

    /** In compressed mode the exported weights carry the 2:4 zeros AMCT's compressed training leaves. */
    @Test
    void compressedExportKeepsTheTwoFourZeros() throws Exception {
        try (OnnxModel m = (OnnxModel) Models.open(ModelZoo.standard().fetch(ModelZoo.entry("paddleocr-det").orElseThrow()))) {
            RetrainConfig cfg = io.amctkit.runtime.session.SeedsForModel.of(m).configs().get("compressed2");
            SessionResult s = Session.of(m, cfg, Mode.COMPRESSED).run(kernels, Session.Progress.NONE);
            s = s.withCalibration(Calibration.run(m, s.resolution(), SampleSource.generated(30000, 1), 1, kernels));
            var twoFour = s.layers().stream().filter(l -> l.pruneKind().equals("2:4") && l.quantized()).findFirst().orElseThrow();
            FakeQuantExport.Result fq = FakeQuantExport.of(m, s);
            ModelLayer layer = m.layer(twoFour.name()).orElseThrow();
            var constant = fq.model().getGraph().getNodeList().stream()
                    .filter(n -> n.getOpType().equals("Constant") && n.getOutput(0).equals(layer.weight().name()))
                    .findFirst().orElseThrow().getAttribute(0).getT();
            java.nio.ByteBuffer raw = constant.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int n = raw.remaining() / 4;
            int zeros = 0;
            for (int i = 0; i < n; i++) {
                zeros += raw.getFloat(raw.position() + 4 * i) == 0f ? 1 : 0;
            }
            assertTrue(zeros >= Math.round(twoFour.realisedSparsity() * n), zeros + " zeros of " + n + " in " + twoFour.name());
        }
    }

    private static float[] floats(OnnxTensor t) {
        FloatBuffer b = t.getFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        return v;
    }
}
