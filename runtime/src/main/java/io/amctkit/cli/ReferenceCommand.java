package io.amctkit.cli;

import io.amctkit.runtime.reference.ReferenceCheck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code amctkit reference}: check amctkit against AMCT reference data. */
@Command(name = "reference", mixinStandardHelpOptions = true, description = "Check amctkit against AMCT reference data.",
        subcommands = {ReferenceCommand.Check.class, CommandLine.HelpCommand.class})
final class ReferenceCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: check");
    }

    /** {@code amctkit reference check DIR}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Replay every case of a folder laid out like ../shared/reference (resolution/*.json with",
                    "_index.json, kernels/*.json): one line per file, then 'reference: N passed, M failed'.",
                    "Kernels run on the selected backend (-Damctkit.backend or AMCTKIT_BACKEND; default: best usable)."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:every check agrees with AMCT", "1:some check disagrees", "2:usage or I/O error"})
    static final class Check implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "the reference folder, e.g. ../shared/reference")
        Path dir;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            List<ReferenceCheck.FileResult> results = ReferenceCheck.run(dir);
            int passed = 0;
            int failed = 0;
            for (ReferenceCheck.FileResult r : results) {
                out.println(r);
                r.failures().forEach(f -> out.println("    " + f));
                passed += r.passed();
                failed += r.total() - r.passed();
            }
            out.println("replayed " + ReferenceCheck.replayed(results));
            out.println("reference: " + passed + " passed, " + failed + " failed");
            return failed == 0 ? ExitCode.OK : ExitCode.INVALID;
        }
    }
}
