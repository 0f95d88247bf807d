package io.amctkit.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code amctkit cfg new}: a commented starter {@code .cfg} for one scenario, on stdout. */
@Command(name = "new", mixinStandardHelpOptions = true,
        description = {"Print a commented starter .cfg: quant (QAT), prune (filter pruning), selective (2:4 sparsity)",
                "or compressed (filter pruning + QAT). Redirect it to a file and edit it."})
final class CfgNewCommand implements Callable<Integer> {

    enum Kind { quant, prune, selective, compressed }

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "KIND", description = "one of: ${COMPLETION-CANDIDATES}")
    Kind kind;

    @Override
    public Integer call() throws IOException {
        spec.commandLine().getOut().print(starter(kind));
        return ExitCode.OK;
    }

    static String starter(Kind kind) throws IOException {
        try (InputStream in = CfgNewCommand.class.getResourceAsStream("starters/" + kind + ".cfg")) {
            if (in == null) {
                throw new IOException("starter " + kind + ".cfg is missing from the amctkit build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
