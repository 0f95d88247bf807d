package io.amctkit.jupyter;

import io.amctkit.dsl.RetrainConfig;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.Renderer;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel's evaluator and displays, without Jupyter: cells, values as objects, errors, completion, rendering. */
class EvaluatorTest {

    static Evaluator evaluator;
    static final ByteArrayOutputStream OUT = new ByteArrayOutputStream();

    @BeforeAll
    static void start() {
        evaluator = new Evaluator(new PrintStream(OUT, true), new PrintStream(OUT, true));
    }

    @AfterAll
    static void stop() {
        evaluator.close();
    }

    @Test
    void aCellOfSeveralSnippetsReturnsTheLastValueAsAnObject() throws Exception {
        Object v = evaluator.eval("var c = config().weights(arq().channelWise(true));\nint n = 2;\nc").orElseThrow();
        assertTrue(v instanceof RetrainConfig, v.getClass().toString());
        assertTrue(evaluator.eval("int unused = 3;").isEmpty(), "a declaration has no value to show");
    }

    @Test
    void errorsNameTheLine() {
        Evaluator.CellException e = assertThrows(Evaluator.CellException.class, () -> evaluator.eval("int a = 1;\n\nString s = 42;"));
        assertTrue(e.getMessage().startsWith("line 3: error: incompatible types"), e.getMessage());
        Evaluator.CellException thrown = assertThrows(Evaluator.CellException.class, () -> evaluator.eval("ulq().clipRange(6, -6)"));
        assertTrue(thrown.getMessage().contains("IllegalArgumentException") && thrown.getMessage().contains("clip_min"), thrown.getMessage());
    }

    @Test
    void completionOffersAmctkitNames() {
        var options = evaluator.complete("RetrainConfig.pa", 16);
        assertTrue(options.getReplacements().contains("parse("), options.getReplacements().toString());
        assertEquals(14, options.getSourceStart());
    }

    @Test
    void configsAndTablesRenderAsHtml() throws Exception {
        Renderer renderer = new Renderer();
        Displays.register(renderer);
        DisplayData cfg = renderer.render(evaluator.eval("config().activations(ulq().clipRange(-6, 6))").orElseThrow());
        assertTrue(cfg.getData(MIMEType.TEXT_HTML).toString().contains("<span style=\"color:#005cc5\">retrain_data_quant_config</span>"));
        DisplayData table = renderer.render(evaluator.eval("Table.create(\"t\", IntColumn.create(\"x\", new int[150]))").orElseThrow());
        assertTrue(table.getData(MIMEType.TEXT_HTML).toString().contains("first 100 of 150 rows"));
    }

    @Test
    void jupyterInstallAndUninstallWriteTheKernelSpec(@TempDir Path prefix) throws Exception {
        int exit = io.amctkit.cli.Main.run(new java.io.PrintWriter(OUT), new java.io.PrintWriter(OUT), "jupyter", "install", "--prefix", prefix.toString());
        assertEquals(0, exit);
        Path spec = prefix.resolve("share/jupyter/kernels/amctkit/kernel.json");
        String json = Files.readString(spec);
        assertTrue(json.contains("\"io.amctkit.jupyter.AmctkitKernel\"") && json.contains("{connection_file}"), json);
        assertEquals(0, io.amctkit.cli.Main.run(new java.io.PrintWriter(OUT), new java.io.PrintWriter(OUT), "jupyter", "uninstall", "--prefix", prefix.toString()));
        assertTrue(!Files.exists(spec));
    }
}
