package io.amctkit.cli;

import io.amctkit.runtime.session.RecordFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static io.amctkit.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code amctkit report} with each seed config on the two acceptance models; the files it writes, parsed. */
@Tag("real-model")
class ReportCliTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"minilm, quant", "minilm, prune", "minilm, selective_prune", "minilm, compressed1", "minilm, compressed2",
            "paddleocr-det, quant", "paddleocr-det, prune", "paddleocr-det, selective_prune", "paddleocr-det, compressed1",
            "paddleocr-det, compressed2"})
    void reportWritesTheTableTheHtmlAndTheRecord(String model, String seed) throws Exception {
        Path out = dir.resolve(model + "-" + seed);
        CliTest.Result r = run("report", "--model", "zoo:" + model, "--seed", seed, "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().startsWith("amctkit: seed " + seed + " with Opname = "), r.err());
        ReportFormatsTest.assertFitsAndIsAscii(r);
        assertTrue(Pattern.compile("\\d+ layers: \\d+ quantized, \\d+ pruned; weights \\d+ -> \\d+ parameters").matcher(r.out()).find(), r.out());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.endsWith("</html>\n"));
        assertTrue(html.contains("<div id=\"layers\" class=\"scroll\"><table id=\"layer-table\"")
                && html.contains("<div id=\"resolution\" class=\"scroll\"><table"), "both tables");
        assertFalse(Pattern.compile("(src|href)=\"(https?:)?//|<link|<script src").matcher(html).find(), "offline: nothing fetched");
        long plots = Pattern.compile("<figure><svg role=\"img\" aria-label=\"[^\"]+\"[^>]*>.{1000,}?</svg></figure>", Pattern.DOTALL)
                .matcher(html).results().count();
        boolean quantizes = !seed.equals("prune") && !seed.equals("selective_prune");
        boolean prunes = r.out().matches("(?s).*quantized, [1-9]\\d* pruned.*");
        assertTrue(plots >= (quantizes ? 2 : 0) + (prunes ? 1 : 0), "SQNR + histogram when quantized, sparsity when pruned: " + plots);
        if (quantizes) {
            assertTrue(html.contains("Weight SQNR per layer") && html.contains("on the INT8 grid"), "SQNR and histogram plots");
        }
        if (prunes) {
            assertTrue(html.contains("Sparsity per layer"), "sparsity plot");
        }
        var record = RecordFile.parse(Files.readString(out.resolve("record.txt")));
        assertEquals(quantizes, record.getRecordCount() > 0);
        assertEquals(prunes, record.getPruneRecordCount() > 0);
        assertEquals(quantizes, Files.exists(out.resolve("fake_quant_model.onnx")), "the fake-quant model when quantized");
        assertEquals(quantizes, Files.exists(out.resolve("deploy_model.onnx")), "the deploy model when quantized");
        assertEquals(quantizes, Files.exists(out.resolve("suggested.cfg")), "the suggested config when calibration ran");
        if (quantizes) {
            CliTest.Result valid = run("cfg", "validate", out.resolve("suggested.cfg").toString());
            assertEquals(0, valid.exit(), valid.err());
        }
        if (quantizes) {
            var fq = io.amctkit.runtime.onnx.proto.ModelProto.parseFrom(Files.readAllBytes(out.resolve("fake_quant_model.onnx")));
            assertTrue(fq.getGraph().getNodeList().stream().anyMatch(n -> n.getName().endsWith(".quant.fakequant.round")));
            assertTrue(fq.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().startsWith("Ascend")), "standard ops only");
        }
    }
}
