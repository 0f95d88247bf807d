package io.amctkit.runtime.report;

import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.RecordFile;
import io.amctkit.runtime.session.SessionResult;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Writes a session's files into a folder, each atomically: {@code report.html}, {@code record.txt}, and when they apply
 * {@code summary.json} (the model-level evaluation), {@code suggested.cfg}, {@code fake_quant_model.onnx},
 * {@code deploy_model.onnx} and {@code pruned_model.onnx}.
 */
public final class Report {

    /**
     * The files written: {@code suggested} when calibration ran; {@code fakeQuant} and {@code deploy} for ONNX models
     * with quantized layers; {@code pruned} when filters were removed; and what the ONNX exports left as it was, with
     * why (layers kept in float, or kept whole in the pruned model, prefixed "(pruned model)").
     */
    public record Files(Path html, Path record, Optional<Path> suggested, Optional<Path> fakeQuant, Optional<Path> deploy,
                        Optional<Path> pruned, java.util.List<String> leftFloat) {
    }

    private Report() {
    }

    public static Files write(Path dir, SessionResult result, Model model, String configName) throws IOException {
        return write(dir, result, model, configName, Optional.empty());
    }

    /** The files, with the model-level evaluation first in report.html and as {@code summary.json}. */
    public static Files write(Path dir, SessionResult result, Model model, String configName,
                              Optional<io.amctkit.runtime.evaluation.Evaluation> evaluation) throws IOException {
        return write(dir, result, model, configName, evaluation, Optional.empty());
    }

    /** The same, writing {@code exports} when given (the models just evaluated) instead of building them again. */
    public static Files write(Path dir, SessionResult result, Model model, String configName,
                              Optional<io.amctkit.runtime.evaluation.Evaluation> evaluation,
                              Optional<io.amctkit.runtime.export.Exports> exports) throws IOException {
        return write(dir, result, model, configName, evaluation, exports, new Lead("", Optional.empty()));
    }

    /**
     * What a command adds to a report: HTML before the page's sections, and a {@code summary.json} of its own (a
     * retraining's before and after) in place of the evaluation's.
     */
    public record Lead(String html, Optional<String> summaryJson) {
    }

    /**
     * The same, with {@code lead} first in report.html and its summary.json when it has one. A record the session is
     * still writing ({@link SessionResult#streamedRecord}) finishes meanwhile; this returns once it is in place, and
     * waits for it also when it fails, so that no temporary file is left behind.
     */
    public static Files write(Path dir, SessionResult result, Model model, String configName,
                              Optional<io.amctkit.runtime.evaluation.Evaluation> evaluation,
                              Optional<io.amctkit.runtime.export.Exports> exports, Lead lead) throws IOException {
        Files files;
        try {
            files = writeOutputs(dir, result, model, configName, evaluation, exports, lead);
        } catch (IOException | RuntimeException | Error e) {
            result.streamedRecord().ifPresent(r -> r.awaitAfter(e));
            throw e;
        }
        if (result.streamedRecord().isPresent()) {
            result.streamedRecord().get().await();
        }
        return files;
    }

    private static Files writeOutputs(Path dir, SessionResult result, Model model, String configName,
                                      Optional<io.amctkit.runtime.evaluation.Evaluation> evaluation,
                                      Optional<io.amctkit.runtime.export.Exports> exports, Lead lead) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        Optional<String> summary = lead.summaryJson().or(() -> evaluation.map(io.amctkit.runtime.evaluation.Evaluation::toJson));
        if (summary.isPresent()) {
            writeAtomically(dir.resolve("summary.json"), summary.get());
        }
        Optional<ReportPlots.Plot> histogram = result.worstLayers(1).stream().findFirst().flatMap(worst -> histogram(worst, model));
        String title = "amctkit report: " + model.source().getFileName() + " with " + configName + " ("
                + result.resolution().mode().label() + ")";
        Path html = dir.resolve("report.html");
        writeAtomically(html, ReportHtml.page(title, result, ReportPlots.all(result, histogram), evaluation, lead.html(),
                outputsNote(model, "this page")));
        Path record = dir.resolve("record.txt");
        if (!result.streamedRecord().map(r -> r.writes(record)).orElse(false)) {
            RecordFile.write(result, record);   // else the session writes it (write awaits it last)
        }
        Optional<Path> suggested = Optional.empty();
        if (result.calibration().isPresent()) {
            io.amctkit.runtime.calibration.SuggestedConfig.Suggestion s = io.amctkit.runtime.calibration.SuggestedConfig.of(
                    result.resolution().config(), result.resolution(), result.calibration().get());
            Path file = dir.resolve("suggested.cfg");
            writeAtomically(file, s.config().toCfg(configName + " with the clip ranges IFMR found on "
                    + result.calibration().get().samples() + " samples (amctkit report): "
                    + (s.overrides() == 0 ? "no layer takes its clip range from IFMR, so nothing changed"
                    : s.overrides() + " layer override(s) added")
                    + (s.skipped().isEmpty() ? "" : "; layers with their own override left alone: " + String.join(", ", s.skipped()))));
            suggested = Optional.of(file);
        }
        Optional<Path> fakeQuant = Optional.empty();
        Optional<Path> deploy = Optional.empty();
        java.util.List<String> leftFloat = java.util.List.of();
        Optional<io.amctkit.runtime.export.Exports> built = model instanceof io.amctkit.runtime.model.onnx.OnnxModel onnx
                ? Optional.of(exports.orElseGet(() -> io.amctkit.runtime.export.Exports.of(onnx, result))) : Optional.empty();
        if (model instanceof io.amctkit.runtime.model.onnx.OnnxModel onnx && built.get().fakeQuant().isPresent()) {
            io.amctkit.runtime.export.FakeQuantExport.Result fq = built.get().fakeQuant().get();
            if (!fq.quantized().isEmpty()) {
                Path file = dir.resolve("fake_quant_model.onnx");
                io.amctkit.dsl.internal.AtomicFiles.write(file, fq.model()::writeTo, true);
                fakeQuant = Optional.of(file);
            }
            leftFloat = fq.leftFloat();
            io.amctkit.runtime.export.FakeQuantExport.Result dep = io.amctkit.runtime.export.DeployExport.of(onnx, result);
            if (!dep.quantized().isEmpty()) {
                Path file = dir.resolve("deploy_model.onnx");
                io.amctkit.dsl.internal.AtomicFiles.write(file, dep.model()::writeTo, true);
                deploy = Optional.of(file);
            }
        }
        Optional<Path> pruned = Optional.empty();
        if (built.isPresent() && built.get().pruned().isPresent()) {
            io.amctkit.runtime.export.PrunedExport.Result p = built.get().pruned().get();
            if (p.model().isPresent()) {
                Path file = dir.resolve("pruned_model.onnx");
                io.amctkit.dsl.internal.AtomicFiles.write(file, p.model().get()::writeTo, true);
                pruned = Optional.of(file);
            }
            leftFloat = new java.util.ArrayList<>(leftFloat);
            for (String k : p.keptWhole()) {
                leftFloat.add("(pruned model) " + k);
            }
            for (String why : p.refused()) {
                leftFloat.add("(pruned model not written) " + why);
            }
        }
        return new Files(html, record, suggested, fakeQuant, deploy, pruned, leftFloat);
    }

    /**
     * For a model without a graph (a safetensors or PyTorch checkpoint): which of the report's outputs apply and why the
     * others do not, naming the HTML report {@code page}; empty for ONNX models, which get them all.
     */
    public static Optional<String> outputsNote(Model model, String page) {
        if (model instanceof io.amctkit.runtime.model.onnx.OnnxModel) {
            return Optional.empty();
        }
        return Optional.of("Outputs for this " + model.format().name().toLowerCase(java.util.Locale.ROOT) + " checkpoint:"
                + " record.txt (AMCT's record: the weight scales and the packed 2:4 masks) and " + page + " (tables, plots)."
                + " Not written: fake_quant_model.onnx, deploy_model.onnx, pruned_model.onnx and the model-level comparison"
                + " (summary.json), which rewrite or run the model's graph; a checkpoint has none (export the model to ONNX"
                + " for them).");
    }

    private static Optional<ReportPlots.Plot> histogram(LayerReport worst, Model model) {
        Optional<ModelLayer> layer = model.layer(worst.name());
        if (layer.isEmpty()) {
            return Optional.empty();
        }
        INDArray w = model.weight(layer.get());
        try {
            return Optional.of(ReportPlots.weightHistogram(worst.name(), io.amctkit.kernels.Tensors.floats(
                    io.amctkit.kernels.Tensors.asFloat32(w)), worst.scaleMax(), worst.weightBits()));
        } finally {
            w.close();
        }
    }

    static void writeAtomically(Path file, String text) throws IOException {
        io.amctkit.dsl.internal.AtomicFiles.writeString(file, text, true);
    }
}
