package io.amctkit.cli;

import io.amctkit.runtime.InvalidInputException;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.evaluation.ModelEvaluator;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.report.Report;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import io.amctkit.runtime.tuning.Target;
import io.amctkit.runtime.tuning.TuneResult;
import io.amctkit.runtime.tuning.TunedConfig;
import io.amctkit.runtime.tuning.Tuner;
import picocli.CommandLine.ArgGroup;
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

/** {@code amctkit tune}: a config that meets a model-level target with the least loss of compression. */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = {"Starting from the config, find one that meets a model-level target (output SQNR, cosine, or",
                "accuracy drop with --eval-labels) by keeping the fewest, most costly layers uncompressed, written with",
                "AMCT's own fields (quant_skip_layers, regular_prune_skip_layers, layer overrides) and checked by AMCT's",
                "rules. Writes DIR/tuned.cfg (a comment on every change), DIR/tune.json, and the reports of the original",
                "and the tuned config in DIR/original and DIR/tuned."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the target is met (the tuned config is written)", "1:the target cannot be met (the best config found is"
                + " written), AMCT rejects the config, or an input is invalid", "2:usage or I/O error"})
final class TuneCommand implements Callable<Integer> {

    static final class TargetChoice {
        @Option(names = "--target-sqnr", paramLabel = "DB", description = "the model output's SQNR to the float model, at least")
        Double sqnr;

        @Option(names = "--target-cosine", paramLabel = "C", description = "the mean per-sample cosine to the float model, at least")
        Double cosine;

        @Option(names = "--max-accuracy-drop", paramLabel = "PCT", description = "top-1 accuracy below float by at most PCT points (needs --eval-labels)")
        Double accuracyDrop;

        Target target() {
            if (sqnr != null) {
                return new Target(Target.Kind.SQNR_DB, sqnr);
            }
            if (cosine != null) {
                return new Target(Target.Kind.COSINE, cosine);
            }
            return new Target(Target.Kind.MAX_ACCURACY_DROP_PCT, accuracyDrop);
        }
    }

    @Spec
    CommandSpec spec;

    @Mixin
    ConfiguredModel run;

    @ArgGroup(exclusive = true, multiplicity = "1")
    TargetChoice target;

    @Option(names = "--allow-int4", description = "once the target is met, give INT4 weights (A8W4) to as many of the least costly"
            + " layers as keep it met (each step a full evaluation)")
    boolean allowInt4;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where tuned.cfg, tune.json and both reports go")
    Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Target goal;
        try {
            goal = target.target();
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (goal.kind() == Target.Kind.MAX_ACCURACY_DROP_PCT && run.evalLabels == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-accuracy-drop needs --eval-labels");
        }
        ConfiguredModel.Prepared p = run.prepare(spec.commandLine(), err);
        try (Model m = p.model()) {
            if (!p.result().accepted()) {
                return ExitCode.INVALID;
            }
            OnnxModel onnx = ConfiguredModel.onnx(m, "tuning evaluates the model");
            ModelEvaluator.Options eval = run.evaluationOptions(onnx);
            Tuner.Pipeline pipeline = cfg -> {
                SessionResult s = cfg.equals(p.config()) ? p.result() : Calibration.calibrate(m, Session.of(m, cfg, p.mode())
                        .run(p.kernels(), Session.Progress.NONE), Optional.ofNullable(run.inputs), run.samples, run.sampleSeed, p.kernels());
                Evaluation e = ModelEvaluator.evaluate(onnx, s, p.mode().label(), eval).orElseThrow(() ->
                        new InvalidInputException("the config compresses nothing that can be evaluated", false));
                return new Tuner.Candidate(cfg, s, e);
            };
            io.amctkit.runtime.session.ProgressBar bar = new io.amctkit.runtime.session.ProgressBar(err, System.console() != null);
            int[] step = {0};
            TuneResult r = Tuner.tune(onnx, p.config(), p.mode(), pipeline, new Tuner.Options(goal, run.evaluationSource(onnx),
                    run.evaluationCount(), run.labels(), run.threadCount(), allowInt4), what -> bar.layerDone(++step[0], step[0] + 1, what));
            bar.finish();
            stdout.print(r.summary());
            Files.createDirectories(out);
            String text = TunedConfig.text(r, p.configName(), p.mode());
            io.amctkit.dsl.internal.AtomicFiles.writeString(out.resolve("tuned.cfg"), text, true);
            io.amctkit.dsl.internal.AtomicFiles.writeString(out.resolve("tune.json"), r.toJson(), true);
            Report.write(out.resolve("original"), r.original().session(), m, p.configName(), Optional.of(r.original().evaluation()));
            Report.write(out.resolve("tuned"), r.tuned().session(), m, "tuned.cfg", Optional.of(r.tuned().evaluation()));
            stdout.println("wrote " + out.resolve("tuned.cfg") + ", " + out.resolve("tune.json") + ", " + out.resolve("original")
                    + "/, " + out.resolve("tuned") + "/");
            return r.met() ? ExitCode.OK : ExitCode.INVALID;
        }
    }
}
