package io.amctkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.amctkit.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tune --target-cosine 0.99} on all-MiniLM-L6-v2 from AMCT's quant sample: the tuned config passes
 * {@code cfg validate} and {@code resolve --model}, and the tuned report measures the cosine tune claimed.
 */
@Tag("real-model")
class TuneCliTest {

    @TempDir
    Path dir;

    @Test
    void minilmTunedToCosine099() throws Exception {
        Path out = dir.resolve("tune");
        CliTest.Result r = run("tune", "--model", "zoo:minilm", "--seed", "quant", "--target-cosine", "0.99", "--out", out.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("target met"), r.out());
        Matcher claimed = Pattern.compile("tuned model: fake-quant vs float: output SQNR [0-9.]+ dB, cosine ([0-9.]+)").matcher(r.out());
        assertTrue(claimed.find(), r.out());
        Path tuned = out.resolve("tuned.cfg");
        CliTest.Result valid = run("cfg", "validate", tuned.toString());
        assertEquals(0, valid.exit(), valid.err());
        CliTest.Result resolved = run("resolve", "--model", "zoo:minilm", "--cfg", tuned.toString());
        assertEquals(0, resolved.exit(), resolved.err());
        JsonNode summary = new ObjectMapper().readTree(out.resolve("tuned/summary.json").toFile());
        double measured = summary.get("outputs").get(0).get("fake_quant").get("cosine_mean").asDouble();
        assertTrue(measured >= 0.99, "measured " + measured);
        assertEquals(claimed.group(1), String.format(Locale.ROOT, "%.3f", measured), "the tuned report measures what tune claimed");
        JsonNode tune = new ObjectMapper().readTree(out.resolve("tune.json").toFile());
        int kept = tune.get("kept_uncompressed").size();
        assertTrue(kept > 0 && kept < 36, "some layers stay INT8: " + kept);
        assertTrue(tune.get("search_evaluations").asInt() <= 6 + 3 && tune.get("full_evaluations").asInt() <= 4);
        assertTrue(Files.readString(tuned).contains(": kept float (not quantized):"));
        assertTrue(Files.exists(out.resolve("original/report.html")) && Files.exists(out.resolve("tuned/report.html")));
    }
}
