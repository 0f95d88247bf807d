package io.amctkit.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code amctkit cfg samples}: the five sample configs of AMCT's documentation, built with the DSL, and their validation. */
@Command(name = "samples", mixinStandardHelpOptions = true,
        description = "AMCT's five sample configs (quant, prune, selective_prune, compressed1, compressed2), built with the DSL, and their validation.")
final class CfgSamplesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return new SeedShowcase(spec.commandLine().getOut()).run();
    }
}
