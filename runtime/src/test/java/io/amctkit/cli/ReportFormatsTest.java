package io.amctkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amctkit.runtime.report.TerminalStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.amctkit.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code report}'s outputs as a person and a machine read them, on the bundled Fashion CNN under the compressed seed
 * (filter pruning, kept-whole layers and quantization in one table).
 */
class ReportFormatsTest {

    private static final String[] JOB = {"report", "--model", "zoo:fashion-cnn", "--seed", "compressed1"};

    private static String[] job(String... more) {
        String[] args = java.util.Arrays.copyOf(JOB, JOB.length + more.length);
        System.arraycopy(more, 0, args, JOB.length, more.length);
        return args;
    }

    @Test
    void theDefaultTableFitsTheTerminalAndPutsTheModelFirstAndTheWorstLast() {
        CliTest.Result r = run(job());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertFitsAndIsAscii(r);
        assertTrue(lines.get(0).startsWith("model: fake-quant vs float: output SQNR"), lines.get(0));
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("layer ")).findFirst().orElseThrow());
        assertEquals(List.of("layer", "type", "done", "weight", "SQNR", "act", "SQNR", "sparsity", "weights"),
                List.of(lines.get(header).trim().split("\\s+")));
        List<String> rows = lines.subList(header + 2, header + 7);
        assertEquals(List.of("conv1", "conv2", "conv3", "fc1", "fc2"), rows.stream().map(l -> l.split(" ")[0]).toList(),
                "model order");
        assertTrue(rows.get(2).matches("conv3 +Conv2d +filters 48/64 \\+ W8A8 arq channel +\\d+\\.\\d dB +\\d+\\.\\d dB +25\\.0%"
                + " +72K -> 14K"), rows.get(2));
        assertTrue(rows.get(0).matches("conv1 +Conv2d +filters 16/16 +- +- +0\\.0% +576B -> 576B"), rows.get(0));
        assertEquals(3, rows.stream().filter(l -> l.endsWith(" <")).count(), "the three lowest SQNRs are marked");
        assertTrue(rows.get(3).endsWith(" <") && rows.get(4).endsWith(" <"), "fc1 and fc2 have the lowest activation SQNR");
        assertTrue(lines.get(lines.size() - 1).startsWith("lowest weight SQNR: "), "the worst layers come last");
    }

    @Test
    void wideShowsEveryColumn() {
        CliTest.Result r = run(job("--wide"));
        assertEquals(0, r.exit(), r.err());
        for (String column : List.of("scale_min", "mse", "kept_filters", "macs_per_pos", "act_clip", "deploy_mismatch_pct")) {
            assertTrue(r.out().contains(column), column);
        }
    }

    @Test
    void csvIsEveryColumnAndNothingElse() {
        CliTest.Result r = run(job("--format", "csv"));
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(6, lines.size(), r.out());
        assertEquals(26, lines.get(0).split(",").length);
        assertTrue(lines.get(0).startsWith("layer,type,quantized,weights,"), lines.get(0));
        assertTrue(lines.get(3).startsWith("conv3,Conv2d,true,arq INT8 per-channel,"), lines.get(3));
    }

    @Test
    void jsonIsOneDocumentWithTotalsEvaluationAndEveryLayer(@TempDir Path dir) throws Exception {
        CliTest.Result r = run(job("--format", "json", "--out", dir.toString()));
        assertEquals(0, r.exit(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals("fashion_cnn.onnx", doc.get("model").asText());
        assertEquals(5, doc.get("totals").get("layers").asInt());
        assertEquals(4, doc.get("totals").get("quantized").asInt());
        assertEquals(27920, doc.get("totals").get("params_before").asLong());
        assertEquals(5, doc.get("layers").size());
        JsonNode conv3 = doc.get("layers").get(2);
        assertEquals("conv3", conv3.get("layer").asText());
        assertEquals("48/64", conv3.get("kept_filters").asText());
        assertEquals(0.25, conv3.get("sparsity_realised").asDouble(), 1e-12);
        assertTrue(doc.get("layers").get(0).get("sqnr_db").isNull(), "a layer left in float has no SQNR");
        assertEquals(new ObjectMapper().readTree(Files.readString(dir.resolve("summary.json"))), doc.get("evaluation"));
        assertTrue(r.err().contains("wrote " + dir.resolve("report.html")), "the file list goes to stderr: " + r.err());
    }

    /** Every line within the width ($COLUMNS when the environment sets it, else 120) and plain ASCII (not a terminal). */
    static void assertFitsAndIsAscii(CliTest.Result r) {
        int width = TerminalStyle.ofStdout().width();
        assertTrue(width <= 120 || System.getenv("COLUMNS") != null, "120 unless $COLUMNS says otherwise");
        for (String line : (r.out() + r.err()).split("\n")) {
            assertTrue(line.length() <= width, "wider than " + width + ": " + line);
            assertFalse(line.chars().anyMatch(c -> c > 127 || c == 27), "not plain ASCII: " + line);
        }
    }
}
