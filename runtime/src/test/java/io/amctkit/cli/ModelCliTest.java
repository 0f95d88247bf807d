package io.amctkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.amctkit.cli.CliTest.reference;
import static io.amctkit.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code amctkit layers} and {@code amctkit resolve --model} on the real zoo models, as a user runs them. */
@Tag("real-model")
class ModelCliTest {

    private static final String[] SEEDS = {"quant", "prune", "selective_prune", "compressed1", "compressed2"};

    @TempDir
    Path dir;

    @Test
    void layersPrintsTheTableAndTheSummary() {
        CliTest.Result r = run("layers", "zoo:openwakeword");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("blocks.0.fcn_layer  |  Linear  |    [32, 32]"), r.out());
        assertTrue(r.out().contains("3 layers: 3 Linear; 77921 parameters in their weights"), r.out());
    }

    /** {@code --out} naming a file is refused before any work, in words; file-system failures say what went wrong. */
    @Test
    void aReportIntoAFileSaysToGiveAFolder() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
        CliTest.Result r = run("report", "--model", "zoo:openwakeword", "--seed", "selective_prune", "--out", file.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--out " + file + " is a file; give a folder (created if missing)"), r.err());
        assertEquals("mine", Files.readString(file), "left as it was");
        assertEquals(file + ": already exists and is in the way (a file where a folder is needed, or the reverse)",
                Main.describe(new java.nio.file.FileAlreadyExistsException(file.toString())));
        assertEquals(file + ": no such file or folder", Main.describe(new java.nio.file.NoSuchFileException(file.toString())));
        assertEquals(file + ": permission denied", Main.describe(new java.nio.file.AccessDeniedException(file.toString())));
    }

    @Test
    void layersJsonCarriesGraphFacts() throws IOException {
        CliTest.Result r = run("layers", "zoo:paddleocr-det", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(64, root.get("layers").size());
        JsonNode up = root.get("layers").get(62);
        assertEquals("conv2d_transpose_0", up.get("name").asText());
        assertEquals("ConvTranspose2d", up.get("type").asText());
        assertTrue(up.get("relu_input").asBoolean());
        assertEquals(5, root.get("couplings").findValues("kind").stream().filter(k -> k.asText().equals("add")).count());
    }

    /** The manifest a user edits and feeds back gives the same resolution as the model itself. */
    @Test
    void theManifestRoundTripsIntoResolve() throws IOException {
        CliTest.Result m = run("layers", "zoo:paddleocr-cls", "--format", "manifest");
        assertEquals(0, m.exit(), m.err());
        Path manifest = Files.writeString(dir.resolve("cls.layers.json"), m.out());
        String cfg = Files.writeString(dir.resolve("q.cfg"), "retrain_data_quant_config { ulq_quantize { clip_max_min {"
                + " clip_max: 6.0 clip_min: -6.0 } } }\nretrain_weight_quant_config { arq_retrain { channel_wise: false } }\n"
                + "skip_layers: \"fc_0\"\n").toString();
        CliTest.Result fromManifest = run("resolve", "--layers", manifest.toString(), "--cfg", cfg, "--format", "amct-json");
        CliTest.Result fromModel = run("resolve", "--model", "zoo:paddleocr-cls", "--cfg", cfg, "--format", "amct-json");
        assertEquals(0, fromModel.exit(), fromModel.err());
        assertEquals(fromManifest.out(), fromModel.out());
        assertTrue(fromModel.out().contains("\"conv2d_0\""), fromModel.out());
        assertTrue(fromModel.out().contains("\"fc_0\":{\n        \"retrain_enable\":false"), "fc_0 is skipped: " + fromModel.out());
    }

    /**
     * Every seed config on every fixture: AMCT's verdict. The seeds name the SEED layer set's layers (layer1.0.conv1,
     * deconv, …), which none of these models has, so AMCT's name checks reject each with the error of the first list
     * it checks; Silero VAD has no Conv2d or Linear, so the pruning seeds fail earlier, on an empty prunable set.
     */
    @ParameterizedTest
    @ValueSource(strings = {"minilm", "paddleocr-det", "paddleocr-rec", "paddleocr-cls", "openwakeword", "silero-vad"})
    void resolveGivesAmctsVerdictForEverySeedOnEveryFixture(String id) {
        java.util.Map<String, String> verdict = new java.util.HashMap<>(java.util.Map.of(
                "quant", "ValueError: some skip_layers not in valid_layers",
                "prune", "ValueError: some override_layer not in valid_layers for filter prune",
                "selective_prune", "ValueError: some override_layer not in valid_layers for selective prune",
                "compressed1", "ValueError: some quant_skip_layers not in valid_layers",
                "compressed2", "ValueError: some quant_skip_layers not in valid_layers"));
        if (id.equals("silero-vad")) {
            for (String seed : new String[]{"prune", "selective_prune", "compressed1", "compressed2"}) {
                verdict.put(seed, "ValueError: Prune supported layer cannot be empty.");
            }
        }
        for (String seed : SEEDS) {
            String cfg = reference().resolve("cfg/seed_" + seed + ".cfg").toString();
            CliTest.Result r = run("resolve", "--model", "zoo:" + id, "--cfg", cfg);
            assertEquals(1, r.exit(), id + " " + seed + ": " + r.out() + r.err());
            assertTrue(r.err().contains("AMCT rejects this config for this model") && r.err().contains(verdict.get(seed) + " [AMCT-REJECTS]"),
                    id + " " + seed + ": " + r.err());
            assertTrue(r.err().contains("[LINT-NO-SUCH-LAYER]"), id + " " + seed + " names SEED layers: " + r.err());
        }
    }

    @Test
    void aBrokenModelIsOneLineNamingTheFile() throws IOException {
        Path bad = Files.write(dir.resolve("bad.onnx"), new byte[]{8, 1, 0x3a, 0x7f, 1, 2});
        CliTest.Result r = run("layers", bad.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith(bad + ": "), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        CliTest.Result missing = run("resolve", "--model", dir.resolve("none.onnx").toString(), "--cfg",
                reference().resolve("cfg/seed_quant.cfg").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("none.onnx: no such file"), missing.err());
    }

    @Test
    void resolveNeedsAModelOrAManifest() {
        CliTest.Result r = run("resolve", "--cfg", reference().resolve("cfg/seed_quant.cfg").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--model MODEL or --layers FILE"), r.err());
    }
}
