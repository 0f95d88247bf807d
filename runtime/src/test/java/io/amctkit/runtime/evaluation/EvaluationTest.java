package io.amctkit.runtime.evaluation;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.prune.FilterPruningTest;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model-level metrics are right: computed here with plain loops over the outputs of the float and fake-quant
 * models run in ONNX Runtime (not with the production accumulator), on the P1 network, and compared.
 */
class EvaluationTest {

    @TempDir
    Path dir;

    /** Plain loops: SQNR over all samples, per-sample cosine mean and min, max |error|, arg-max agreement per row. */
    static double[] plainMetrics(ModelProto reference, ModelProto variant, SampleSource source, int samples) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double signal = 0;
        double noise = 0;
        double maxErr = 0;
        double cosSum = 0;
        double cosMin = 1e9;
        long rows = 0;
        long agree = 0;
        try (OrtSession a = env.createSession(reference.toByteArray()); OrtSession b = env.createSession(variant.toByteArray())) {
            SampleSource.Generator gen = source.open(a, env);
            for (int s = 0; s < samples; s++) {
                Map<String, OnnxTensor> x = gen.next();
                try (OrtSession.Result ra = a.run(x); OrtSession.Result rb = b.run(x)) {
                    OnnxTensor ta = (OnnxTensor) ra.get(0);
                    FloatBuffer fa = ta.getFloatBuffer();
                    FloatBuffer fb = ((OnnxTensor) rb.get(0)).getFloatBuffer();
                    double dot = 0;
                    double na = 0;
                    double nb = 0;
                    for (int i = 0; i < fa.limit(); i++) {
                        double p = fa.get(i);
                        double q = fb.get(i);
                        signal += p * p;
                        noise += (q - p) * (q - p);
                        maxErr = Math.max(maxErr, Math.abs(q - p));
                        dot += p * q;
                        na += p * p;
                        nb += q * q;
                    }
                    double cos = dot / Math.sqrt(na * nb);
                    cosSum += cos;
                    cosMin = Math.min(cosMin, cos);
                    long[] shape = ta.getInfo().getShape();
                    int last = (int) shape[shape.length - 1];
                    for (int r = 0; r < fa.limit(); r += last) {
                        int ia = r;
                        int ib = r;
                        for (int j = r; j < r + last; j++) {
                            ia = fa.get(j) > fa.get(ia) ? j : ia;
                            ib = fb.get(j) > fb.get(ib) ? j : ib;
                        }
                        rows++;
                        agree += ia - r == ib - r ? 1 : 0;
                    }
                } finally {
                    x.values().forEach(OnnxTensor::close);
                }
            }
        }
        return new double[]{10 * Math.log10(signal / noise), cosSum / samples, cosMin, maxErr, (double) agree / rows};
    }

    @Test
    void fakeQuantAndPrunedMetricsEqualAPlainLoopComputation() throws Exception {
        Path file = FilterPruningTest.p1().write(dir.resolve("p1.onnx"));
        RetrainConfig cfg = RetrainConfig.parse("c.cfg", "retrain_data_quant_config { ulq_quantize { dst_type: INT8 } }\n"
                + "retrain_weight_quant_config { arq_retrain { channel_wise: false dst_type: INT4 } }\n" + FilterPruningTest.PRUNE_03);
        try (OnnxModel m = (OnnxModel) Models.open(file)) {
            var kernels = Backends.select().kernels(1);
            SessionResult s = Session.of(m, cfg, Mode.COMPRESSED).run(kernels, Session.Progress.NONE);
            s = Calibration.calibrate(m, s, Optional.empty(), 4, 1, kernels);
            SampleSource source = SampleSource.generated(2, 99);
            Evaluation e = ModelEvaluator.evaluate(m, s, "compressed", new ModelEvaluator.Options(source, 6, Optional.empty(), 1)).orElseThrow();
            assertEquals(6, e.samples());
            ModelProto fq = io.amctkit.runtime.export.FakeQuantExport.of(m, s).model();
            double[] plain = plainMetrics(m.proto(), fq, SampleSource.generated(2, 99), 6);
            OutputMetrics got = e.fakeQuant().orElseThrow().main();
            assertEquals(plain[0], got.sqnrDb(), 1e-9, "SQNR");
            assertEquals(plain[1], got.cosineMean(), 1e-12, "cosine mean");
            assertEquals(plain[2], got.cosineMin(), 1e-12, "cosine min");
            assertEquals(plain[3], got.maxAbsErr(), 1e-12, "max abs err");
            assertEquals(plain[4], got.top1Agreement().getAsDouble(), 1e-12, "top-1 agreement");
            assertTrue(Double.isFinite(got.sqnrDb()) && got.maxAbsErr() > 0, "INT4 weights and pruned filters move the outputs");
            ModelProto pruned = io.amctkit.runtime.export.PrunedExport.of(m, s).model().orElseThrow();
            double[] plainPruned = plainMetrics(m.proto(), pruned, SampleSource.generated(2, 99), 6);
            assertEquals(plainPruned[0], e.pruned().orElseThrow().main().sqnrDb(), 1e-9, "pruned SQNR");
            assertTrue(e.lines().get(0).startsWith("model: fake-quant vs float: output SQNR "), e.lines().toString());
            assertTrue(e.lines().get(1).startsWith("model: pruned vs float: output SQNR "), e.lines().toString());
            // summary.json: the fixed keys
            JsonNode json = new ObjectMapper().readTree(e.toJson());
            assertEquals("p1.onnx", json.get("model").asText());
            assertEquals("compressed", json.get("mode").asText());
            assertEquals(6, json.get("samples").asInt());
            JsonNode out = json.get("outputs").get(0);
            assertEquals("/fc2/Gemm_output_0", out.get("name").asText());
            assertEquals(plain[0], out.get("fake_quant").get("sqnr_db").asDouble(), 1e-9);
            for (String k : new String[]{"sqnr_db", "cosine_mean", "cosine_min", "max_abs_err", "top1_agreement"}) {
                assertTrue(out.get("fake_quant").has(k) && out.get("pruned").has(k), k);
            }
            assertTrue(json.get("accuracy").isNull());
            for (String k : new String[]{"params_before", "params_after", "bits_before", "bits_after"}) {
                assertTrue(json.get("compression").get(k).asLong() > 0, k);
            }
            assertTrue(json.get("compression").get("bits_after").asLong() < json.get("compression").get("bits_before").asLong());
        }
    }

    @Test
    void labelsGiveEachModelsTopOneAccuracy() throws Exception {
        Path file = FilterPruningTest.p1().write(dir.resolve("p1.onnx"));
        RetrainConfig cfg = RetrainConfig.parse("c.cfg", "retrain_data_quant_config { ulq_quantize { clip_max_min { clip_max: 4"
                + " clip_min: -4 } } }\nretrain_weight_quant_config { arq_retrain { channel_wise: false } }\n");
        try (OnnxModel m = (OnnxModel) Models.open(file)) {
            SessionResult s = Session.of(m, cfg, Mode.QUANT).run(Backends.select().kernels(1), Session.Progress.NONE);
            // the labels are the float model's own predictions: float accuracy is 100 %, fake-quant's is its agreement
            SampleSource source = SampleSource.generated(2, 5);
            long[] labels = new long[8];
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession a = env.createSession(m.proto().toByteArray())) {
                SampleSource.Generator gen = source.open(a, env);
                for (int i = 0; i < labels.length; i++) {
                    Map<String, OnnxTensor> x = gen.next();
                    try (OrtSession.Result r = a.run(x)) {
                        float[] v = new float[10];
                        ((OnnxTensor) r.get(0)).getFloatBuffer().get(v);
                        int best = 0;
                        for (int j = 1; j < v.length; j++) {
                            best = v[j] > v[best] ? j : best;
                        }
                        labels[i] = best;
                    }
                }
            }
            Evaluation e = ModelEvaluator.evaluate(m, s, "quant", new ModelEvaluator.Options(source, 8, Optional.of(labels), 1)).orElseThrow();
            Accuracy acc = e.accuracy().orElseThrow();
            assertEquals(1.0, acc.floatModel());
            assertEquals(e.fakeQuant().orElseThrow().main().top1Agreement().getAsDouble(), acc.fakeQuant().getAsDouble(), 1e-12);
            assertTrue(acc.line().startsWith("model: top-1 accuracy float 100.00%, fake-quant "), acc.line());
            Path written = Files.writeString(dir.resolve("s.json"), e.toJson());
            assertEquals(8, new ObjectMapper().readTree(written.toFile()).get("accuracy").get("samples").asInt());
        }
    }

    /**
     * AMCT's quant sample on all-MiniLM-L6-v2, through the CLI: the report's model line and summary.json give the
     * fake-quant model's SQNR to the float model, which equals a plain-loop computation on the written
     * fake_quant_model.onnx over the same evaluation samples (generated with another seed than calibration).
     */
    @Test
    @org.junit.jupiter.api.Tag("real-model")
    void minilmUnderAmctsQuantSampleIsReportedAtTheModelLevel() throws Exception {
        Path out = dir.resolve("minilm");
        java.io.StringWriter o = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = io.amctkit.cli.Main.run(new java.io.PrintWriter(o, true), new java.io.PrintWriter(err, true),
                "report", "--model", "zoo:minilm", "--seed", "quant", "--eval-samples", "6", "--out", out.toString());
        assertEquals(0, exit, err.toString());
        JsonNode json = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        double reported = json.get("outputs").get(0).get("fake_quant").get("sqnr_db").asDouble();
        Path model = io.amctkit.runtime.model.ModelZoo.standard().resolve("zoo:minilm");
        try (OnnxModel m = (OnnxModel) Models.open(model)) {
            ModelProto fq = ModelProto.parseFrom(Files.readAllBytes(out.resolve("fake_quant_model.onnx")));
            double[] plain = plainMetrics(m.proto(), fq, SampleSource.generated(Calibration.vocabulary(m), 1 + 7919), 6);
            assertEquals(plain[0], reported, 1e-9, "the reported SQNR is the fake-quant model's");
            assertTrue(o.toString().startsWith(String.format(java.util.Locale.ROOT, "model: fake-quant vs float: output SQNR %.1f dB", reported)),
                    "the model line comes first: " + o.toString().lines().findFirst().orElse(""));
            // AMCT's quant sample wrecks the embeddings: the model line says so (cosine far from 1)
            assertTrue(reported < 12 && plain[1] < 0.95, "SQNR " + reported + ", cosine " + plain[1]);
        }
    }
}
