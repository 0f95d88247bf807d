package io.amctkit.cli;

import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.report.Report;
import io.amctkit.runtime.report.SessionJson;
import io.amctkit.runtime.report.TerminalStyle;
import io.amctkit.runtime.report.TerminalTable;
import io.amctkit.runtime.session.SessionResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code amctkit report}: a config applied to a real model with AMCT's kernels, per layer, with the files to hand on. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"What AMCT's QAT and pruning do to a real model: first the model-level comparison (the fake-quant",
                "and pruned models against the float model on evaluation samples), then per layer what is done, weight",
                "and activation SQNR, sparsity and size (--wide: scales, errors, kept filters, MACs...), then the totals",
                "and the worst layers. Colour and Unicode only on a terminal (NO_COLOR turns colour off); the width is",
                "$COLUMNS, else 120. With --out DIR also writes report.html, record.txt",
                "(AMCT's record file), summary.json and the fake-quant, deploy and pruned models."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:AMCT rejects the config for this model, or an input is invalid", "2:usage or I/O error"})
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfiguredModel run;

    @Option(names = "--out", paramLabel = "DIR", description = "write report.html, record.txt, summary.json and the models here")
    Path out;

    @Option(names = "--wide", description = "every column of the per-layer table (26), not the compact one that fits 120 columns")
    boolean wide;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default, for people), csv (every column, one row per layer) or json (totals, evaluation"
                    + " and every column); csv and json print nothing else on stdout")
    Format format;

    /** How the session is printed. */
    enum Format { text, csv, json }

    @Override
    public Integer call() throws IOException {
        if (out != null && java.nio.file.Files.exists(out) && !java.nio.file.Files.isDirectory(out)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--out " + out
                    + " is a file; give a folder (created if missing)");
        }
        Preload.start();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ConfiguredModel.Prepared p = run.prepare(spec.commandLine(), err,
                java.util.Optional.ofNullable(out).map(o -> o.resolve("record.txt")));
        try (Model m = p.model()) {
            return report(m, p, stdout, err);
        } catch (IOException | RuntimeException e) {
            p.result().streamedRecord().ifPresent(r -> r.awaitAfter(e));   // Report.write awaits it otherwise
            throw e;
        }
    }

    private Integer report(Model m, ConfiguredModel.Prepared p, PrintWriter stdout, PrintWriter err) throws IOException {
        SessionResult result = p.result();
        if (!result.accepted()) {
            return ExitCode.INVALID;
        }
        TerminalStyle style = TerminalStyle.ofStdout();
        PrintWriter talk = format == Format.text ? stdout : err;
        java.util.Optional<io.amctkit.runtime.evaluation.Evaluation> evaluation = java.util.Optional.empty();
        java.util.Optional<io.amctkit.runtime.export.Exports> exports = m instanceof io.amctkit.runtime.model.onnx.OnnxModel onnx
                ? java.util.Optional.of(io.amctkit.runtime.export.Exports.of(onnx, result)) : java.util.Optional.empty();
        if (m instanceof io.amctkit.runtime.model.onnx.OnnxModel onnx && run.evaluationCount() > 0) {
            evaluation = io.amctkit.runtime.evaluation.ModelEvaluator.evaluate(onnx, result, exports.get(), p.mode().label(),
                    run.evaluationOptions(onnx));
            if (format == Format.text) {
                evaluation.ifPresent(e -> e.lines().forEach(l -> stdout.println(style.fit(l))));
            }
        }
        switch (format) {
            case text -> {
                stdout.print(wide ? result.table().printAll() + "\n" : TerminalTable.render(result, style));
                stdout.print(style.fit(result.summary()));
            }
            case csv -> stdout.print(Csv.of(result.table()));
            case json -> stdout.print(SessionJson.write(result, evaluation));
        }
        if (out != null) {
            Report.Files files = Report.write(out, result, m, p.configName(), evaluation, exports);
            files.leftFloat().forEach(l -> err.println(style.fit("amctkit: " + (l.startsWith("(pruned model) ")
                    ? "filter pruning keeps " + l.substring("(pruned model) ".length()).replaceFirst(": ", " whole: ")
                    : l.startsWith("(pruned model not written) ") ? "pruned_model.onnx not written: "
                    + l.substring("(pruned model not written) ".length()) : "fake-quant model keeps " + l + " in float"))));
            Report.outputsNote(m, "report.html").ifPresent(note -> err.println(style.fit("amctkit: " + note)));
            talk.println(style.fit("wrote " + files.html() + ", " + files.record()
                    + (evaluation.isPresent() ? ", " + out.resolve("summary.json") : "")
                    + files.suggested().map(x -> ", " + x).orElse("") + files.fakeQuant().map(x -> ", " + x).orElse("")
                    + files.deploy().map(x -> ", " + x).orElse("") + files.pruned().map(x -> ", " + x).orElse("")));
        }
        return ExitCode.OK;
    }
}
