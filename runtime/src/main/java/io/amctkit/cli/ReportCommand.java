package io.amctkit.cli;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.Diagnostic;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.report.Report;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import io.amctkit.runtime.session.SeedsForModel;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code amctkit report}: a config applied to a real model with AMCT's kernels, per layer, with the files to hand on. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"What AMCT's QAT and pruning do to each layer of a real model: weight scales and quantization",
                "error, sparsity, kept filters, sizes. Prints the table; with --out DIR also writes report.html",
                "(tables and plots, offline) and record.txt (AMCT's record file)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:AMCT rejects the config for this model, or an input is invalid", "2:usage or I/O error"})
final class ReportCommand implements Callable<Integer> {

    /** Evaluation samples are generated with the calibration seed plus this: never the samples calibrated on. */
    static final long EVAL_SEED_OFFSET = 7919;

    static final class ConfigChoice {
        @Option(names = "--cfg", paramLabel = "FILE", description = "the simplified config (.cfg)")
        Path cfg;

        @Option(names = "--seed", paramLabel = "NAME",
                description = "one of AMCT's sample configs with the model's real names: quant, prune, selective_prune,"
                        + " compressed1, compressed2")
        String seed;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model file or zoo:ID")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    ConfigChoice config;

    @Option(names = "--mode", paramLabel = "quant|prune|compressed", converter = ModeOption.class,
            description = "AMCT entry point (default: inferred from the config's fields)")
    Mode mode;

    @Option(names = "--out", paramLabel = "DIR", description = "write report.html and record.txt here")
    Path out;

    @Option(names = "--threads", paramLabel = "T", description = "kernel threads (default: all cores)")
    Integer threads;

    @Option(names = "--samples", defaultValue = "8", paramLabel = "N",
            description = "calibrate activations on N generated sample inputs with ONNX Runtime (ONNX models; 0: off; default 8)")
    int samples;

    @Option(names = "--seed-value", defaultValue = "1", paramLabel = "S", description = "random seed of the generated samples")
    long sampleSeed;

    @Option(names = "--eval-inputs", paramLabel = "FILE",
            description = "evaluation samples (same formats as --inputs) for the model-level comparison; default: generated")
    Path evalInputs;

    @Option(names = "--eval-samples", defaultValue = "16", paramLabel = "N",
            description = "generated evaluation samples (another seed than calibration; 0: no model-level evaluation; default 16)")
    int evalSamples;

    @Option(names = "--eval-labels", paramLabel = "FILE",
            description = ".npy of integer labels, one per evaluation sample: adds top-1 accuracy of each model")
    Path evalLabels;

    @Option(names = "--inputs", paramLabel = "FILE",
            description = "calibration samples: a safetensors file with one tensor per model input, or a .npy array for a"
                    + " single-input model; samples stacked along the first axis")
    Path inputs;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Model m = ModelArgument.open(model, null)) {
            RetrainConfig cfg;
            String cfgName;
            if (config.cfg != null) {
                cfg = RetrainConfig.read(config.cfg);
                cfgName = config.cfg.toString();
            } else {
                SeedsForModel.Seeds seeds = SeedsForModel.of(m);
                cfg = seeds.configs().get(config.seed);
                if (cfg == null) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown seed '" + config.seed
                            + "'; choose one of " + String.join(", ", seeds.configs().keySet()));
                }
                cfgName = "seed " + config.seed;
                err.println("amctkit: " + cfgName + " with " + seeds.substitutions().entrySet().stream()
                        .map(e -> e.getKey() + " = " + e.getValue()).collect(java.util.stream.Collectors.joining(", ")));
            }
            Mode used = mode != null ? mode : cfg.inferredMode();
            Kernels kernels = Backends.select().kernels(threads != null ? threads : Runtime.getRuntime().availableProcessors());
            io.amctkit.runtime.session.ProgressBar bar = new io.amctkit.runtime.session.ProgressBar(err, System.console() != null);
            SessionResult result = Session.of(m, cfg, used).run(kernels, bar);
            bar.finish();
            result = io.amctkit.runtime.calibration.Calibration.calibrate(m, result, java.util.Optional.ofNullable(inputs),
                    samples, sampleSeed, kernels);
            result.calibration().ifPresent(c -> c.notes().forEach(n -> err.println("amctkit: " + n)));
            for (Diagnostic d : result.resolution().diagnostics()) {
                err.println(d.format(cfgName));
            }
            if (!result.accepted()) {
                return ExitCode.INVALID;
            }
            java.util.Optional<io.amctkit.runtime.evaluation.Evaluation> evaluation = java.util.Optional.empty();
            if (m instanceof io.amctkit.runtime.model.onnx.OnnxModel onnx && (evalSamples > 0 || evalInputs != null)) {
                io.amctkit.runtime.calibration.SampleSource source = evalInputs != null
                        ? io.amctkit.runtime.calibration.FileSamples.source(evalInputs)
                        : io.amctkit.runtime.calibration.SampleSource.generated(io.amctkit.runtime.calibration.Calibration.vocabulary(onnx), sampleSeed + EVAL_SEED_OFFSET);
                int max = evalInputs != null ? Integer.MAX_VALUE : evalSamples;
                evaluation = io.amctkit.runtime.evaluation.ModelEvaluator.evaluate(onnx, result, used.label(),
                        new io.amctkit.runtime.evaluation.ModelEvaluator.Options(source, max,
                                java.util.Optional.ofNullable(evalLabels).map(io.amctkit.runtime.calibration.FileSamples::labels),
                                threads != null ? threads : Runtime.getRuntime().availableProcessors()));
                evaluation.ifPresent(e -> e.lines().forEach(stdout::println));
            }
            stdout.println(result.table().printAll());
            stdout.print(result.summary());
            if (out != null) {
                Report.Files files = Report.write(out, result, m, cfgName, evaluation);
                files.leftFloat().forEach(l -> err.println("amctkit: " + (l.startsWith("(pruned model) ")
                        ? "filter pruning keeps " + l.substring("(pruned model) ".length()).replaceFirst(": ", " whole: ")
                        : l.startsWith("(pruned model not written) ") ? "pruned_model.onnx not written: "
                        + l.substring("(pruned model not written) ".length()) : "fake-quant model keeps " + l + " in float")));
                stdout.println("wrote " + files.html() + ", " + files.record()
                        + files.suggested().map(p -> ", " + p).orElse("") + files.fakeQuant().map(p -> ", " + p).orElse("")
                        + files.deploy().map(p -> ", " + p).orElse("") + files.pruned().map(p -> ", " + p).orElse(""));
            }
        }
        return ExitCode.OK;
    }
}
