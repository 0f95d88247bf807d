package io.amctkit.cli;

import io.amctkit.dsl.CfgException;
import io.amctkit.dsl.Diagnostic;
import io.amctkit.dsl.Diagnostics;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code amctkit cfg validate}: AMCT's model-independent rules, diagnostics as {@code file:line:col: severity: message}. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check .cfg files with AMCT's rules that need no model.",
                "Diagnostics go to stderr as file:line:col: severity: message; a summary line per file to stdout."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every file is valid (warnings allowed)", "1:some file is invalid", "2:some file cannot be read"})
final class CfgValidateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = ".cfg files to check")
    List<Path> files;

    @Option(names = "--mode", paramLabel = "quant|prune|compressed", converter = ModeOption.class,
            description = "the AMCT entry point that will read the file (default: inferred from its fields)")
    Mode mode;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int exit = ExitCode.OK;
        for (Path file : files) {
            try {
                RetrainConfig config = RetrainConfig.read(file);
                Mode used = mode != null ? mode : config.inferredMode();
                Diagnostics diagnostics = config.validate(used);
                diagnostics.items().forEach(d -> err.println(d.format(file.toString())));
                out.println(file + ": " + (diagnostics.hasErrors() ? "invalid" : "ok") + " (" + used.label() + " mode"
                        + (mode == null ? ", inferred" : "") + "; " + count(diagnostics.errors().size(), "error") + ", "
                        + count(diagnostics.warnings().size(), "warning") + ")");
                if (diagnostics.hasErrors()) {
                    exit = Math.max(exit, ExitCode.INVALID);
                }
            } catch (CfgException e) {
                for (Diagnostic d : e.diagnostics()) {
                    err.println(d.format(file.toString()));
                }
                out.println(file + ": " + (e.isIoError() ? "unreadable" : "invalid"));
                exit = Math.max(exit, e.isIoError() ? ExitCode.USAGE_OR_IO : ExitCode.INVALID);
            }
        }
        return exit;
    }

    static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
