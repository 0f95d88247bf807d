package io.amctkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.dsl.resolve.Resolver;
import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.ScaleOffset;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.runtime.fixtures.FashionMnist;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.session.RecordFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.amctkit.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code amctkit retrain} as a user runs it on the Fashion-MNIST CNN with INT4 weights: training images in, the 10 000
 * test images and their labels for the before/after evaluation; every file it writes is checked against the others.
 */
@Tag("real-model")
class RetrainCliTest {

    @TempDir
    Path dir;

    @Test
    void retrainWritesAConsistentRetrainedState() throws Exception {
        Path train = FashionMnist.writeImages(FashionMnist.images("train-images-idx3-ubyte.gz"), 512, dir.resolve("train.npy"));
        Path test = FashionMnist.writeImages(FashionMnist.testImages(), 10_000, dir.resolve("test.npy"));
        Path labels = FashionMnist.writeLabels(FashionMnist.testLabels(), 10_000, dir.resolve("labels.npy"));
        Path cfg = Files.writeString(dir.resolve("a8w4.cfg"), "retrain_data_quant_config { ulq_quantize {} }\n"
                + "retrain_weight_quant_config { arq_retrain { dst_type: INT4 channel_wise: false } }\n");
        Path out = dir.resolve("out");
        CliTest.Result r = run("retrain", "--model", FashionMnist.model().toString(), "--cfg", cfg.toString(), "--inputs", train.toString(),
                "--samples", "512", "--eval-inputs", test.toString(), "--eval-labels", labels.toString(), "--threads", "2", "--out", out.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("retrained 5 layer(s), refitted 0, kept 0"), r.out());
        assertTrue(r.err().contains("fc1 (Linear): MSE"), "a line per layer with its loss: " + r.err());
        for (String f : new String[]{"retrained_model.onnx", "retrained.cfg", "record.txt", "report.html", "summary.json",
                "fake_quant_model.onnx", "deploy_model.onnx"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        double before = summary.get("before").get("accuracy").get("fake_quant").asDouble();
        double after = summary.get("after").get("accuracy").get("fake_quant").asDouble();
        double floatAccuracy = summary.get("after").get("accuracy").get("float").asDouble();
        assertEquals(10_000, summary.get("after").get("accuracy").get("samples").asInt());
        assertTrue(floatAccuracy - after <= (floatAccuracy - before) / 2, "INT4 weights: at least half the loss recovered: " + summary);
        assertTrue(r.out().contains("before: model: top-1 accuracy") && r.out().contains("after:  model: top-1 accuracy"), r.out());

        // retrained.cfg is a valid AMCT config whose clip_max_min is what was learned, and record.txt's scale_d follows from it
        assertEquals(0, run("cfg", "validate", out.resolve("retrained.cfg").toString()).exit());
        RetrainConfig retrained = RetrainConfig.read(out.resolve("retrained.cfg"));
        JsonNode fc1 = null;
        for (JsonNode l : summary.get("retraining").get("layers")) {
            fc1 = l.get("name").asText().equals("fc1") ? l : fc1;
        }
        float clipMax = (float) fc1.get("clip_after").get("clip_max").asDouble();
        float clipMin = (float) fc1.get("clip_after").get("clip_min").asDouble();
        try (var m = Models.open(FashionMnist.model())) {
            var resolution = Resolver.resolve(retrained, m.layers().stream().map(ModelLayer::toLayer).toList(), Mode.QUANT);
            QuantPlan q = resolution.plan("fc1").flatMap(p -> p.quant()).orElseThrow();
            assertEquals(clipMax, q.clipMax().orElseThrow(), "fc1's clip_max in retrained.cfg");
            assertTrue(!q.ifmrInit(), "AMCT starts from the learned clips, not IFMR");
            boolean fixedMin = q.fixedMin().orElse(m.layer("fc1").flatMap(ModelLayer::reluInput).orElse(false));
            ScaleOffset f = UlqActivation.factors(ClipState.of(q.clipMax().get(), q.clipMin().get()), 4 * 2, fixedMin);
            var record = RecordFile.parse(Files.readString(out.resolve("record.txt")));
            var entry = record.getRecordList().stream().filter(e -> e.getKey().equals("fc1")).findFirst().orElseThrow().getValue();
            assertEquals(f.scale(0), entry.getScaleD(), "record.txt's scale_d comes from the learned clips");
            assertEquals(f.offset(0), entry.getOffsetD());
            assertEquals(clipMin, fixedMin ? 0f : q.clipMin().get(), "the clip_min AMCT uses from retrained.cfg is the learned one");
            assertEquals("INT4", entry.getWtsType());
        }
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<h2>Retraining</h2>") && html.contains("id=\"before-after\"") && html.contains("Retraining loss per step"), "report");
    }

    /**
     * The acceptance on a transformer: AMCT's quant sample on all-MiniLM-L6-v2, retrained on 64 generated samples of
     * 128 tokens; the output SQNR to the float model on 16 held-out samples (another seed) rises by at least 6 dB.
     */
    @Test
    @Tag("slow")
    void minilmRetrainedGainsSixDecibels() throws Exception {
        Path out = dir.resolve("minilm");
        long start = System.nanoTime();
        CliTest.Result r = run("retrain", "--model", "zoo:minilm", "--seed", "quant", "--threads", "2", "--out", out.toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        double before = summary.get("before").get("outputs").get(0).get("fake_quant").get("sqnr_db").asDouble();
        double after = summary.get("after").get("outputs").get(0).get("fake_quant").get("sqnr_db").asDouble();
        System.out.printf("minilm retrain: SQNR %.2f -> %.2f dB in %.1f s%n", before, after, seconds);
        assertTrue(after >= before + 6, "SQNR " + before + " -> " + after);
        assertEquals(36, summary.get("retraining").get("retrained").asInt(), r.out());
        assertEquals(16, summary.get("after").get("samples").asInt());
        assertEquals(0, run("cfg", "validate", out.resolve("retrained.cfg").toString()).exit());
    }
}
