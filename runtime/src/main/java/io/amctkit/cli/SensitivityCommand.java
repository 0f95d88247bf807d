package io.amctkit.cli;

import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.report.ReportPlots;
import io.amctkit.runtime.sensitivity.Sensitivity;
import io.amctkit.runtime.sensitivity.SensitivityResult;
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
import java.util.concurrent.Callable;

/** {@code amctkit sensitivity}: which layers a config's damage to the model's outputs comes from. */
@Command(name = "sensitivity", mixinStandardHelpOptions = true,
        description = {"For every layer the config quantizes or prunes: the model-level metrics (output SQNR and cosine to",
                "the float model, top-1 accuracy with --eval-labels) with only this layer compressed and with all but this",
                "layer compressed, most sensitive first. 2N + 2 evaluations in one ONNX Runtime session (ONNX models).",
                "With --out DIR: sensitivity.json, sensitivity.csv and sensitivity.png."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:AMCT rejects the config for this model, or an input is invalid", "2:usage or I/O error"})
final class SensitivityCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfiguredModel run;

    @Option(names = "--out", paramLabel = "DIR", description = "write sensitivity.json, sensitivity.csv and sensitivity.png here")
    Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ConfiguredModel.Prepared p = run.prepare(spec.commandLine(), err);
        try (Model m = p.model()) {
            if (!p.result().accepted()) {
                return ExitCode.INVALID;
            }
            OnnxModel onnx = ConfiguredModel.onnx(m, "a sensitivity analysis runs the model");
            ProgressBar bar = new ProgressBar(err, System.console() != null);
            SensitivityResult r = Sensitivity.run(onnx, p.result(), run.evaluationSource(onnx), Math.max(1, run.evaluationCount()),
                    run.labels(), run.threadCount(),
                    (done, total, what) -> bar.layerDone(done, total, what));
            bar.finish();
            r.leftOut().forEach(l -> err.println("amctkit: not switchable (stays float in every evaluation): " + l));
            stdout.println(r.table().printAll());
            stdout.print(r.summary());
            if (out != null) {
                Files.createDirectories(out);
                io.amctkit.dsl.internal.AtomicFiles.writeString(out.resolve("sensitivity.json"), r.toJson(), true);
                io.amctkit.dsl.internal.AtomicFiles.writeString(out.resolve("sensitivity.csv"), Csv.of(r.table()), true);
                byte[] png = ReportPlots.sensitivity(r).png();
                io.amctkit.dsl.internal.AtomicFiles.write(out.resolve("sensitivity.png"), png, true);
                stdout.println("wrote " + out.resolve("sensitivity.json") + ", " + out.resolve("sensitivity.csv") + ", "
                        + out.resolve("sensitivity.png"));
            }
        }
        return ExitCode.OK;
    }
}
