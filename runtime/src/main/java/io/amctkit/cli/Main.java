package io.amctkit.cli;

import io.amctkit.dsl.CfgException;
import io.amctkit.runtime.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * The {@code amctkit} command line. Without arguments it runs the main job on the bundled default: a report of AMCT's
 * quant sample config applied to all-MiniLM-L6-v2; the subcommands check configs, models, kernels and reports.
 */
@Command(name = "amctkit", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"See and check what an AMCT simplified config (.cfg) does, before a long training run.",
                "Without a command: the main job on the bundled default model, i.e.",
                "  amctkit report --model zoo:minilm --seed quant --out amctkit-report"},
        subcommands = {CfgCommand.class, ResolveCommand.class, LayersCommand.class, ReportCommand.class, SensitivityCommand.class, TuneCommand.class, RetrainCommand.class, JupyterCommand.class, RunCommand.class, ReferenceCommand.class, BenchCommand.class, DoctorCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:invalid input (AMCT would reject it)", "2:usage or I/O error"})
public final class Main implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return spec.commandLine().getSubcommands().get("report").execute(DEFAULT_JOB);
    }

    /** The main job: AMCT's quant sample config (names substituted) on the bundled all-MiniLM-L6-v2. */
    static final String[] DEFAULT_JOB = {"--model", "zoo:minilm", "--seed", "quant", "--out", "amctkit-report"};

    /** Runs the CLI with the given streams and returns the exit code (the tests' entry point). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter e = commandLine.getErr();
            if (ex instanceof CfgException cfg) {
                cfg.diagnostics().forEach(d -> e.println(d.format(cfg.source())));
                return cfg.isIoError() ? ExitCode.USAGE_OR_IO : ExitCode.INVALID;
            }
            if (ex instanceof InvalidInputException invalid) {
                e.println(invalid.getMessage());
                return invalid.isIoError() ? ExitCode.USAGE_OR_IO : ExitCode.INVALID;
            }
            if (ex instanceof io.amctkit.runtime.model.ModelException model) {
                e.println(model.getMessage());
                return model.isIoError() ? ExitCode.USAGE_OR_IO : ExitCode.INVALID;
            }
            if (ex instanceof java.io.IOException io) {
                e.println("amctkit: I/O error: " + describe(io));
                return ExitCode.USAGE_OR_IO;
            }
            e.println("amctkit: error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage())
                    + (System.getenv("AMCTKIT_DEBUG") == null ? " (set AMCTKIT_DEBUG=1 for details)" : "\n" + stackTrace(ex)));
            return ExitCode.USAGE_OR_IO;
        });
        try {
            return cli.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** An I/O failure in words: the file system's exceptions carry only the path, so the reason is added. */
    static String describe(java.io.IOException io) {
        if (io instanceof java.nio.file.FileAlreadyExistsException f) {
            return f.getFile() + ": already exists and is in the way (a file where a folder is needed, or the reverse)"
                    + (f.getReason() == null ? "" : "; " + f.getReason());
        }
        if (io instanceof java.nio.file.NoSuchFileException f) {
            return f.getFile() + ": no such file or folder";
        }
        if (io instanceof java.nio.file.AccessDeniedException f) {
            return f.getFile() + ": permission denied";
        }
        return io.getMessage();
    }

    private static String stackTrace(Throwable t) {
        java.io.StringWriter s = new java.io.StringWriter();
        t.printStackTrace(new PrintWriter(s));
        return s.toString();
    }

    public static void main(String[] args) {
        io.amctkit.runtime.bench.PeakMemory.reportAtExitIfAsked();
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        System.exit(run(out, err, args));
    }

    /** The version from the jar manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"amctkit " + (v == null ? "(development build)" : v)};
        }
    }
}
