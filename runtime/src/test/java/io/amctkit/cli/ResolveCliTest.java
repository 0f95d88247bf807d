package io.amctkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amctkit.runtime.LayerManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.amctkit.cli.CliTest.reference;
import static io.amctkit.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code resolve}, {@code cfg diff} and {@code reference check} as a user runs them. */
class ResolveCliTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static String seedLayers() {
        return Path.of(System.getProperty("amctkit.root", "..")).resolve("examples/seed-model.layers.json").toString();
    }

    static String cfg(String name) {
        return reference().resolve("cfg/" + name + ".cfg").toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"seed_quant", "seed_compressed1", "seed_prune", "seed_selective_prune"})
    void amctJsonPrintsExactlyTheReferenceJson(String seed) throws IOException {
        JsonNode expected = JSON.readTree(reference().resolve("resolution/" + seed + ".json").toFile())
                .path("results").path("prune_or_compressed_api").path("config");
        CliTest.Result r = run("resolve", "--cfg", cfg(seed), "--layers", seedLayers(), "--mode", "compressed",
                "--format", "amct-json");
        assertEquals(0, r.exit(), r.err());
        assertEquals(expected, JSON.readTree(r.out()));
    }

    @Test
    void amctJsonInQuantModeMatchesCreateQuantRetrainConfig() throws IOException {
        JsonNode expected = JSON.readTree(reference().resolve("resolution/seed_quant.json").toFile())
                .path("results").path("quant_retrain").path("config");
        CliTest.Result r = run("resolve", "--cfg", cfg("seed_quant"), "--layers", seedLayers(), "--format", "amct-json");
        assertEquals(expected, JSON.readTree(r.out()));
        assertTrue(r.out().contains("\"version\":1"), "AMCT's separators: no space after ':'");
    }

    @Test
    void aRejectedConfigExitsWithOneAndSaysWhereAndWhy() {
        CliTest.Result r = run("resolve", "--cfg", cfg("seed_compressed1_distinct"), "--layers", seedLayers(), "--mode", "compressed");
        assertEquals(1, r.exit());
        assertTrue(r.out().isEmpty());
        assertTrue(r.err().contains("seed_compressed1_distinct.cfg:") && r.err().contains("can not be channewised"), r.err());
    }

    @Test
    void explainNamesTheDecidingSourceAndTheQuirks() {
        CliTest.Result r = run("resolve", "--cfg", cfg("seed_quant"), "--layers", seedLayers(), "--explain", "layer1.0.conv1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("quantization: ON  <- override_layer_configs[0] (line 33)"), r.out());
        assertTrue(r.out().contains("quant override beats skip: skip_layers[0] (line 20)"), r.out());
        CliTest.Result fc = run("resolve", "--cfg", cfg("seed_quant"), "--layers", seedLayers(), "--explain", "fc");
        assertTrue(fc.out().contains("channel_wise: false  <- override_layer_types[0].retrain_weight_quant_config"), fc.out());
        CliTest.Result typo = run("resolve", "--cfg", cfg("seed_quant"), "--layers", seedLayers(), "--explain", "layer1.0.conv3");
        assertEquals(1, typo.exit());
        assertTrue(typo.err().contains("did you mean 'layer1.0.conv1'?") || typo.err().contains("did you mean 'layer1.0.conv2'?"), typo.err());
    }

    @Test
    void everyFormatShowsEveryLayer() throws IOException {
        String[] base = {"resolve", "--cfg", cfg("seed_compressed2"), "--layers", seedLayers(), "--mode", "compressed"};
        for (String format : new String[]{"table", "json", "csv", "html"}) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.stream.Stream.of("--format", format))
                    .toArray(String[]::new);
            CliTest.Result r = run(args);
            assertEquals(0, r.exit(), format + ": " + r.err());
            for (String layer : new String[]{"conv1", "layer1.0.downsample.0", "dwconv", "deconv", "lstm", "bn1", "fc_odd"}) {
                assertTrue(r.out().contains(layer), format + " lacks " + layer);
            }
        }
        JsonNode json = JSON.readTree(run(concat(base, "--format", "json")).out());
        assertEquals(12, json.path("layers").size());
        assertTrue(json.path("accepted").asBoolean());
        assertEquals(13, run(concat(base, "--format", "csv")).out().lines().count(), "header + 12 layers");
        assertTrue(run(concat(base, "--format", "html")).out().startsWith("<!DOCTYPE html>"));
    }

    private static String[] concat(String[] a, String... b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b)).toArray(String[]::new);
    }

    @Test
    void cfgDiffListsTheChangedFieldsPerLayer() {
        CliTest.Result r = run("cfg", "diff", cfg("seed_quant"), cfg("seed_quant_distinct"), "--layers", seedLayers());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("fields differ in"), r.out());
        CliTest.Result same = run("cfg", "diff", cfg("seed_quant"), cfg("seed_quant"), "--layers", seedLayers());
        assertTrue(same.out().startsWith("no layer's effective config differs"), same.out());
    }

    @Test
    void referenceCheckReplaysEveryResolutionAndKernelCase() throws IOException {
        CliTest.Result r = run("reference", "check", reference().toString());
        assertEquals(0, r.exit(), r.out());
        long files;
        try (var list = Files.list(reference().resolve("resolution"))) {
            files = list.filter(p -> !p.getFileName().toString().startsWith("_")).count();
        }
        assertTrue(r.out().contains("resolution/seed_quant.json: 2/2"), r.out());
        for (String kernel : new String[]{"arq_retrain", "calculate_scale_offset", "filter_prune_bcp", "ifmr", "selective_mask_gen",
                "ulq_retrain", "ulq_scale_retrain"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.matches("kernels/" + kernel + "\\.json: (\\d+)/\\1")), kernel + "\n" + r.out());
        }
        String last = r.out().strip().lines().reduce((a, b) -> b).orElse("");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("reference: (\\d+) passed, 0 failed").matcher(last);
        assertTrue(m.matches(), last);
        assertTrue(Long.parseLong(m.group(1)) >= 2 * files + 600, last);
    }

    @Test
    void referenceCheckReportsADisagreementAndExitsWithOne(@TempDir Path dir) throws IOException {
        Path copy = dir.resolve("reference");
        Files.createDirectories(copy.resolve("resolution"));
        Files.copy(reference().resolve("resolution/_index.json"), copy.resolve("resolution/_index.json"));
        String tampered = Files.readString(reference().resolve("resolution/seed_quant.json"))
                .replace("\"clip_max\": 6.0", "\"clip_max\": 5.0");
        Files.writeString(copy.resolve("resolution/seed_quant.json"), tampered);
        CliTest.Result r = run("reference", "check", copy.toString());
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("resolution/seed_quant.json: 0/2"), r.out());
        assertTrue(r.out().contains("resolved JSON differs from AMCT's"), r.out());
        assertTrue(r.out().strip().endsWith("reference: 0 passed, 2 failed"), r.out());
    }

    @Test
    void benchKernelsPrintsAThroughputPerKernel() {
        CliTest.Result r = run("bench", "kernels", "--elements", "65536", "--repeat", "1");
        assertEquals(0, r.exit(), r.err());
        for (String kernel : new String[]{"arq per-channel", "ulq forward", "ulq backward", "weight ulq forward", "2:4 mask",
                "filter ranking", "ifmr"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(kernel) && l.matches(".*\\d+\\.\\d\\d\\s*$")), kernel + "\n" + r.out());
        }
        assertEquals(2, run("bench", "kernels", "--elements", "10").exit());
    }

    @Test
    void doctorListsTheBackendsAndWhereEachKernelRuns() {
        CliTest.Result r = run("doctor");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("cpu (rank 0): usable"), r.out());
        assertTrue(r.out().contains("selected: cpu"), r.out());
        assertTrue(r.out().contains("ulq_forward"), r.out());
    }

    @Test
    void badManifestsGiveOneClearLine(@TempDir Path dir) throws IOException {
        String cfg = cfg("seed_quant");
        Path dup = Files.writeString(dir.resolve("dup.json"), "{\"layers\":[{\"name\":\"a\",\"type\":\"Conv2d\"},{\"name\":\"a\",\"type\":\"Linear\"}]}");
        Path noType = Files.writeString(dir.resolve("notype.json"), "{\"layers\":[{\"name\":\"a\"}]}");
        Path notJson = Files.writeString(dir.resolve("bad.json"), "{\"layers\": [ {\"name\": \"a\",, }");
        Path huge = dir.resolve("huge.json");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(1L << 30);   // sparse: 1 GiB without using the disk
        }
        for (Path bad : new Path[]{dup, noType, notJson, huge}) {
            CliTest.Result r = run("resolve", "--cfg", cfg, "--layers", bad.toString());
            assertEquals(1, r.exit(), bad + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith(bad.toString()), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
        assertTrue(run("resolve", "--cfg", cfg, "--layers", dup.toString()).err().contains("layer name 'a' repeats layers[0]"));
        assertTrue(run("resolve", "--cfg", cfg, "--layers", noType.toString()).err().contains("\"type\" is missing"));
        assertEquals(2, run("resolve", "--cfg", cfg, "--layers", dir.resolve("nope.json").toString()).exit());
    }

    @Test
    void manifestRoundTrips(@TempDir Path dir) throws IOException {
        var layers = LayerManifest.read(Path.of(seedLayers()));
        Path out = dir.resolve("m.json");
        LayerManifest.write(out, layers, false);
        assertEquals(layers, LayerManifest.read(out));
    }
}
