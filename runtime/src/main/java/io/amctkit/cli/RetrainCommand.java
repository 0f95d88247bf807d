package io.amctkit.cli;

import io.amctkit.dsl.internal.AtomicFiles;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.evaluation.ModelEvaluator;
import io.amctkit.runtime.export.Exports;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.report.Report;
import io.amctkit.runtime.report.RetrainSection;
import io.amctkit.runtime.retrain.RetrainResult;
import io.amctkit.runtime.retrain.RetrainedConfig;
import io.amctkit.runtime.retrain.Retrainer;
import io.amctkit.runtime.session.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code amctkit retrain}: quantization-aware retraining, layer by layer, with AMCT's own quantizers. */
@Command(name = "retrain", mixinStandardHelpOptions = true,
        description = {"Retrain the model under the config with AMCT's quantizers, layer by layer on unlabeled samples: each",
                "quantized Linear and Conv1d/2d learns its activation clips (ULQ's backward), its bias and the rounding of",
                "its weights on ARQ's grid, from its inputs in the model quantized so far, to reproduce the float layer.",
                "Consumers of pruned channels are refitted first (prune and compressed modes). Writes DIR/retrained_model.onnx,",
                "DIR/retrained.cfg (the learned clip ranges as clip_max_min), record.txt, fake_quant_model.onnx,",
                "deploy_model.onnx (and pruned_model.onnx), report.html and summary.json with the model before and after."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:retrained and written", "1:AMCT rejects the config, or an input is invalid", "2:usage or I/O error"})
final class RetrainCommand implements Callable<Integer> {

    /** Retraining samples when --samples is not given: more than calibration's default. */
    static final int DEFAULT_SAMPLES = 64;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfiguredModel run;

    @Option(names = "--steps", defaultValue = "250", paramLabel = "S", description = "steps per layer of each phase: clips and bias, then rounding (default 250)")
    int steps;

    @Option(names = "--batch", defaultValue = "128", paramLabel = "B", description = "rows per step (a Linear's tokens, a convolution's output positions; default 128)")
    int batch;

    @Option(names = "--lr", defaultValue = "3e-3", paramLabel = "LR", description = "learning rate of the bias and clips, the rounding's ten times that (default 3e-3)")
    double learningRate;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where the retrained model, config and report go")
    Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!spec.commandLine().getParseResult().hasMatchedOption("--samples")) {
            run.samples = DEFAULT_SAMPLES;
        }
        if (run.samples < 1 || steps < 1 || batch < 1 || !(learningRate > 0)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--samples, --steps, --batch and --lr must be positive");
        }
        ConfiguredModel.Prepared p = run.prepare(spec.commandLine(), err);
        try (Model m = p.model()) {
            if (!p.result().accepted()) {
                return ExitCode.INVALID;
            }
            OnnxModel onnx = ConfiguredModel.onnx(m, "retraining runs the model");
            SampleSource source = run.calibrationSource(onnx);
            ModelEvaluator.Options eval = run.evaluationOptions(onnx);
            boolean evaluate = run.evalInputs != null || run.evalSamples > 0;
            Optional<Evaluation> before = evaluate ? ModelEvaluator.evaluate(onnx, p.result(), p.mode().label(), eval) : Optional.empty();
            ProgressBar bar = new ProgressBar(err, System.console() != null);
            RetrainResult r = Retrainer.retrain(onnx, p.result(), p.kernels(), new Retrainer.Options(source, run.samples, steps, batch,
                    learningRate, run.threadCount(), run.sampleSeed), (done, total, layer) -> {
                        bar.finish();
                        err.println("amctkit: " + layer.line());
                        bar.layerDone(done, total, layer.name());
                    });
            bar.finish();
            Exports exports = Exports.of(r.model(), r.session());
            Optional<Evaluation> after = evaluate
                    ? Optional.of(ModelEvaluator.evaluate(onnx, r.session(), p.mode().label(), exports.fakeQuantModel(), exports.prunedModel(), eval))
                    .filter(e -> e.fakeQuant().isPresent() || e.pruned().isPresent()) : Optional.empty();
            stdout.print(r.summary());
            before.ifPresent(e -> e.lines().forEach(l -> stdout.println("before: " + l)));
            after.ifPresent(e -> e.lines().forEach(l -> stdout.println("after:  " + l)));
            Files.createDirectories(out);
            AtomicFiles.write(out.resolve("retrained_model.onnx"), r.model().proto()::writeTo, true);
            String header = "retrained by amctkit retrain from " + p.configName() + " (" + p.mode().label() + " mode): each retrained"
                    + " layer's learned clip range is its clip_max_min (a clip_min learned to 0 as fixed_min), so AMCT's QAT starts there instead of IFMR"
                    + (after.isPresent() ? "\n" + String.join("\n", after.get().lines()) : "");
            AtomicFiles.writeString(out.resolve("retrained.cfg"), RetrainedConfig.text(r.config(), header, p.mode()), true);
            Report.write(out, r.session(), r.model(), "retrained.cfg", after, Optional.of(exports),
                    new Report.Lead(RetrainSection.html(before, after, r), Optional.of(r.toJson(before, after))));
            stdout.println("wrote " + out.resolve("retrained_model.onnx") + ", retrained.cfg, record.txt, report.html"
                    + (after.isPresent() ? ", summary.json" : "") + (exports.fakeQuantModel().isPresent() ? ", fake_quant_model.onnx, deploy_model.onnx" : "")
                    + (exports.prunedModel().isPresent() ? ", pruned_model.onnx" : "") + " in " + out);
            return ExitCode.OK;
        }
    }
}
