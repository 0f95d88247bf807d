package io.amctkit.cli;

import io.amctkit.jupyter.Evaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code amctkit run SCRIPT.jsh}: runs a JShell script with amctkit's class path and imports, then exits. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a JShell script (.jsh) non-interactively with amctkit on the class path and its imports",
                "loaded; a compile error or an exception stops it with exit 1, naming the line."})
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCRIPT", description = "the script")
    Path script;

    @Override
    public Integer call() throws IOException {
        String code;
        try {
            code = Files.readString(script);
        } catch (NoSuchFileException e) {
            spec.commandLine().getErr().println(script + ": no such file");
            return ExitCode.USAGE_OR_IO;
        }
        try (Evaluator evaluator = new Evaluator(System.out, System.err)) {
            Optional<Object> last = evaluator.eval(code.replaceAll("(?m)^\\s*/exit\\s*$", ""));
            last.ifPresent(v -> spec.commandLine().getOut().println(v));
            return ExitCode.OK;
        } catch (Evaluator.CellException e) {
            spec.commandLine().getErr().println(script + ": " + e.getMessage());
            return ExitCode.INVALID;
        }
    }
}
