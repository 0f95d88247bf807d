package io.amctkit.runtime.retrain;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.ScaleOffset;
import io.amctkit.kernels.Tensors;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.kernels.WeightLayout;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.calibration.CalibrationTaps;
import io.amctkit.runtime.export.DeployExport;
import io.amctkit.runtime.export.Exports;
import io.amctkit.runtime.export.FakeQuantExport;
import io.amctkit.runtime.export.OnnxEdits;
import io.amctkit.runtime.fixtures.FashionMnist;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.session.RecordFile;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exports of a retrained state pass the same checks as calibrated ones: the fake-quant model computes what AMCT's
 * kernels simulate with the learned clips and retrained weights, the retrained weights lie on ARQ's grid, the deploy
 * model and record.txt carry the factors of the learned clips, and retrained.cfg reproduces the state.
 */
@Tag("real-model")
class RetrainExportsTest {

    @Test
    void theRetrainedExportsAgreeWithTheKernelsAndTheRetrainedConfig() throws Exception {
        FashionMnist.Images train = FashionMnist.images("train-images-idx3-ubyte.gz");
        try (OnnxModel m = (OnnxModel) Models.open(FashionMnist.model()); Kernels k = Backends.select().kernels(2)) {
            RetrainConfig cfg = RetrainConfig.parse("a8w8.cfg", "retrain_data_quant_config { ulq_quantize {} }\n"
                    + "retrain_weight_quant_config { arq_retrain {} }\n");
            SessionResult s = Session.of(m, cfg, Mode.QUANT).run(k, Session.Progress.NONE);
            s = s.withCalibration(Calibration.run(m, s.resolution(), FashionMnist.source(train, 128), 128, k));
            RetrainResult r = Retrainer.retrain(m, s, k, new Retrainer.Options(FashionMnist.source(train, 128), 128, 60, 128, 3e-3, 2, 1),
                    Retrainer.Progress.NONE);
            Exports exports = Exports.of(r.model(), r.session());
            String layer = "fc1";
            RetrainedLayer trained = r.layers().stream().filter(l -> l.name().equals(layer)).findFirst().orElseThrow();
            assertEquals(RetrainedLayer.Status.RETRAINED, trained.status(), trained.line());
            RetrainedConfig.Clip clip = trained.clipAfter().orElseThrow();
            ModelLayer l = r.model().layer(layer).orElseThrow();
            boolean fixedMin = r.session().resolution().plan(layer).flatMap(p -> p.quant()).orElseThrow().fixedMin()
                    .orElse(l.reluInput().orElse(false));
            ScaleOffset factors = UlqActivation.factors(ClipState.of(clip.max(), clip.min()), 8, fixedMin);

            // the retrained weights lie on ARQ's grid: ARQ maps them to themselves
            float[] w = Tensors.values(r.model().weight(l));
            float[] wq = Tensors.values(k.arq(r.model().weight(l), WeightLayout.COUT_FIRST, 8, false).fakeQuantized());
            float largest = 0;
            for (float v : w) {
                largest = Math.max(largest, Math.abs(v));
            }
            for (int i = 0; i < w.length; i++) {
                assertTrue(Math.abs(w[i] - wq[i]) <= 1e-6f * largest, "weight " + i + " on ARQ's grid");
            }

            // the fake-quant model's fc1 equals the kernels' simulation: ULQ(x; learned clips) · ARQ(w)ᵀ + levels of b
            NodeProto node = r.model().proto().getGraph().getNodeList().stream()
                    .filter(n -> n.getOutputCount() > 0 && r.model().layerProducing(n.getOutput(0)).map(x -> x.name().equals(layer)).orElse(false))
                    .findFirst().orElseThrow();
            String in = node.getInput(0);
            String out = node.getOutput(0);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession session = env.createSession(CalibrationTaps.withOutputs(exports.fakeQuantModel().orElseThrow(), Set.of(in, out))
                    .toByteArray(), new OrtSession.SessionOptions())) {
                Map<String, OnnxTensor> sample = FashionMnist.source(FashionMnist.testImages(), 1).open(session, env).next();
                try (OrtSession.Result res = session.run(sample, Set.of(in, out))) {
                    float[] x = floats((OnnxTensor) res.get(in).get());
                    float[] y = floats((OnnxTensor) res.get(out).get());
                    int inDim = w.length / y.length;
                    float[] xq = Tensors.values(k.ulqForward(Tensors.of(x, 1, inDim), ClipState.of(clip.max(), clip.min()), 8, fixedMin).output());
                    float scaleW = r.session().layers().stream().filter(x2 -> x2.name().equals(layer)).findFirst().orElseThrow()
                            .artifacts().weightScales()[0];
                    float deq = scaleW * factors.scale(0);
                    float[] b = OnnxEdits.floatValues(OnnxEdits.constants(r.model().proto().getGraph()).get(node.getInput(2)));
                    double worst = 0;
                    double magnitude = 0;
                    for (int o = 0; o < y.length; o++) {
                        double sim = Math.rint(b[o] / deq) * deq;
                        for (int j = 0; j < inDim; j++) {
                            sim += (double) xq[j] * wq[o * inDim + j];
                        }
                        worst = Math.max(worst, Math.abs(sim - y[o]));
                        magnitude = Math.max(magnitude, Math.abs(sim));
                    }
                    assertTrue(worst <= 1e-5 * magnitude, "fake-quant fc1 vs simulation: " + worst + " of " + magnitude);
                } finally {
                    sample.values().forEach(OnnxTensor::close);
                }
            }

            // the deploy model quantizes fc1's input with the learned clips' factors, and record.txt says the same
            FakeQuantExport.Result deploy = DeployExport.of(r.model(), r.session());
            assertEquals(5, deploy.quantized().size(), deploy.leftFloat().toString());
            NodeProto quant = deploy.model().getGraph().getNodeList().stream().filter(n -> n.getName().equals(layer + ".quant")).findFirst().orElseThrow();
            assertEquals((float) (1.0 / factors.scale(0)), quant.getAttributeList().stream().filter(a -> a.getName().equals("scale")).findFirst()
                    .orElseThrow().getF());
            var record = RecordFile.of(r.session(), r.model());
            assertEquals(record, RecordFile.parse(RecordFile.text(record)), "record.txt round-trips");
            var entry = record.getRecordList().stream().filter(e -> e.getKey().equals(layer)).findFirst().orElseThrow().getValue();
            assertEquals(factors.scale(0), entry.getScaleD());
            assertEquals(factors.offset(0), entry.getOffsetD());

            // retrained.cfg, read back, gives the same fake-quant model on the retrained weights
            RetrainConfig back = RetrainConfig.parse("retrained.cfg", RetrainedConfig.text(r.config(), "test", Mode.QUANT));
            SessionResult again = Session.of(r.model(), back, Mode.QUANT).run(k, Session.Progress.NONE);
            again = again.withCalibration(Calibration.run(r.model(), again.resolution(), FashionMnist.source(train, 8), 8, k));
            assertEquals(exports.fakeQuantModel().orElseThrow(), Exports.of(r.model(), again).fakeQuantModel().orElseThrow(),
                    "retrained.cfg reproduces the retrained fake-quant model");
        }
    }

    @Test
    void retrainingIsDeterministicForASeed() throws Exception {
        FashionMnist.Images train = FashionMnist.images("train-images-idx3-ubyte.gz");
        try (OnnxModel m = (OnnxModel) Models.open(FashionMnist.model()); Kernels k = Backends.select().kernels(2)) {
            RetrainConfig cfg = RetrainConfig.parse("a8w4.cfg", "retrain_data_quant_config { ulq_quantize {} }\n"
                    + "retrain_weight_quant_config { arq_retrain { dst_type: INT4 channel_wise: false } }\n");
            SessionResult s = Session.of(m, cfg, Mode.QUANT).run(k, Session.Progress.NONE);
            SessionResult calibrated = s.withCalibration(Calibration.run(m, s.resolution(), FashionMnist.source(train, 64), 64, k));
            Retrainer.Options options = new Retrainer.Options(FashionMnist.source(train, 64), 64, 30, 64, 3e-3, 2, 7);
            RetrainResult first = Retrainer.retrain(m, calibrated, k, options, Retrainer.Progress.NONE);
            RetrainResult second = Retrainer.retrain(m, calibrated, k, options, Retrainer.Progress.NONE);
            assertEquals(first.model().proto(), second.model().proto(), "the same retrained weights and biases");
            assertEquals(first.config(), second.config(), "the same learned clips");
            RetrainResult other = Retrainer.retrain(m, calibrated, k, new Retrainer.Options(FashionMnist.source(train, 64), 64, 30, 64,
                    3e-3, 2, 8), Retrainer.Progress.NONE);
            assertTrue(!other.model().proto().equals(first.model().proto()), "another seed draws other mini-batches");
        }
    }

    private static float[] floats(OnnxTensor t) {
        FloatBuffer b = t.getFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        return v;
    }
}
