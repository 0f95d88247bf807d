package io.amctkit.cli;

import io.amctkit.dsl.Diagnostic;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.calibration.FileSamples;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.session.ProgressBar;
import io.amctkit.runtime.session.SeedsForModel;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The options every command that applies a config to a model shares (model, config or seed, mode, threads,
 * calibration and evaluation samples), and the session they lead to: resolved, run with AMCT's kernels, calibrated.
 */
final class ConfiguredModel {

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

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model file or zoo:ID")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    ConfigChoice config;

    @Option(names = "--mode", paramLabel = "quant|prune|compressed", converter = ModeOption.class,
            description = "AMCT entry point (default: inferred from the config's fields)")
    Mode mode;

    @Option(names = "--threads", paramLabel = "T", description = "kernel and ONNX Runtime threads (default: all cores)")
    Integer threads;

    @Option(names = "--samples", defaultValue = "8", paramLabel = "N",
            description = "calibrate activations on N generated sample inputs with ONNX Runtime (ONNX models; 0: off; default 8)")
    int samples;

    @Option(names = "--seed-value", defaultValue = "1", paramLabel = "S", description = "random seed of the generated samples")
    long sampleSeed;

    @Option(names = "--inputs", paramLabel = "FILE",
            description = "calibration samples: a safetensors file with one tensor per model input, or a .npy array for a"
                    + " single-input model; samples stacked along the first axis")
    Path inputs;

    @Option(names = "--eval-inputs", paramLabel = "FILE",
            description = "evaluation samples (same formats as --inputs) for the model-level comparison; default: generated")
    Path evalInputs;

    @Option(names = "--eval-samples", defaultValue = "16", paramLabel = "N",
            description = "generated evaluation samples (another seed than calibration; 0: no model-level evaluation; default 16)")
    int evalSamples;

    @Option(names = "--eval-labels", paramLabel = "FILE",
            description = ".npy of integer labels, one per evaluation sample: adds top-1 accuracy of each model")
    Path evalLabels;

    /** The model, the config applied to it (resolved, kernels run, activations calibrated), and what to call it. */
    record Prepared(Model model, RetrainConfig config, String configName, Mode mode, SessionResult result, Kernels kernels) {
    }

    int threadCount() {
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** Opens the model and runs the config on it; diagnostics and notes go to {@code err}. */
    Prepared prepare(CommandLine cli, PrintWriter err) throws java.io.IOException {
        return prepare(cli, err, Optional.empty());
    }

    /** The same, the session writing its record file to {@code record} as it runs when it can (2:4 without quantization). */
    Prepared prepare(CommandLine cli, PrintWriter err, Optional<java.nio.file.Path> record) throws java.io.IOException {
        Model m = ModelArgument.open(model, null);
        RetrainConfig cfg;
        String cfgName;
        if (config.cfg != null) {
            cfg = RetrainConfig.read(config.cfg);
            cfgName = config.cfg.toString();
        } else {
            SeedsForModel.Seeds seeds = SeedsForModel.of(m);
            cfg = seeds.configs().get(config.seed);
            if (cfg == null) {
                m.close();
                throw new CommandLine.ParameterException(cli, "unknown seed '" + config.seed + "'; choose one of "
                        + String.join(", ", seeds.configs().keySet()));
            }
            cfgName = "seed " + config.seed;
            err.println(io.amctkit.runtime.report.TerminalStyle.ofStdout().fit("amctkit: " + cfgName + " with "
                    + seeds.substitutions().entrySet().stream()
                    .map(e -> e.getKey() + " = " + e.getValue()).collect(java.util.stream.Collectors.joining(", "))));
        }
        Mode used = mode != null ? mode : cfg.inferredMode();
        Kernels kernels = Backends.select().kernels(threadCount());
        ProgressBar bar = new ProgressBar(err, System.console() != null).showingShards(m);
        SessionResult result;
        try {
            result = record.isPresent() ? Session.of(m, cfg, used).run(kernels, bar, record.get())
                    : Session.of(m, cfg, used).run(kernels, bar);
        } catch (java.io.IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        bar.finish();
        try {
            result = Calibration.calibrate(m, result, Optional.ofNullable(inputs), samples, sampleSeed, kernels);
        } catch (RuntimeException e) {
            result.streamedRecord().ifPresent(r -> r.awaitAfter(e));
            m.close();
            throw e;
        }
        io.amctkit.runtime.report.TerminalStyle style = io.amctkit.runtime.report.TerminalStyle.ofStdout();
        result.calibration().ifPresent(c -> c.notes().forEach(n -> err.println(style.fit("amctkit: " + n))));
        for (Diagnostic d : result.resolution().diagnostics()) {
            err.println(style.fit(d.format(cfgName)));
        }
        return new Prepared(m, cfg, cfgName, used, result, kernels);
    }

    /** The model as ONNX, which {@code what} needs (it runs the model); an error naming the file otherwise. */
    static OnnxModel onnx(Model m, String what) {
        if (!(m instanceof OnnxModel onnx)) {
            throw new io.amctkit.runtime.InvalidInputException(m.source() + ": " + what + "; give an ONNX model", false);
        }
        return onnx;
    }

    /** Where calibration (and retraining) samples come from: {@code --inputs}, else generated with {@code --seed-value}. */
    SampleSource calibrationSource(OnnxModel onnx) {
        return Calibration.source(onnx, Optional.ofNullable(inputs), sampleSeed);
    }

    /** The model-level evaluation's samples, count, labels and threads. */
    io.amctkit.runtime.evaluation.ModelEvaluator.Options evaluationOptions(OnnxModel onnx) {
        return new io.amctkit.runtime.evaluation.ModelEvaluator.Options(evaluationSource(onnx), evaluationCount(), labels(), threadCount());
    }

    /** Where evaluation samples come from: the user's file, else generated with another seed than calibration. */
    SampleSource evaluationSource(OnnxModel onnx) {
        return evalInputs != null ? FileSamples.source(evalInputs)
                : SampleSource.generated(Calibration.vocabulary(onnx), sampleSeed + EVAL_SEED_OFFSET);
    }

    /** How many evaluation samples at most: all of the user's file, else {@code --eval-samples}. */
    int evaluationCount() {
        return evalInputs != null ? Integer.MAX_VALUE : evalSamples;
    }

    Optional<long[]> labels() {
        return Optional.ofNullable(evalLabels).map(FileSamples::labels);
    }
}
