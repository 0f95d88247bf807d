package io.amctkit.cli;

import io.amctkit.dsl.Diagnostics;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.examples.SeedConfigs;

import java.io.PrintWriter;
import java.util.Map;

/**
 * The default job until model reports exist: the five sample configs of AMCT's documentation, built with the DSL,
 * printed as {@code .cfg} text with their validation in the mode each is written for.
 */
final class SeedShowcase {

    private final PrintWriter out;

    SeedShowcase(PrintWriter out) {
        this.out = out;
    }

    int run() {
        int errors = 0;
        int warnings = 0;
        for (Map.Entry<String, RetrainConfig> seed : SeedConfigs.all().entrySet()) {
            RetrainConfig config = seed.getValue();
            Mode mode = config.inferredMode();
            Diagnostics diagnostics = config.validate(mode);
            String name = seed.getKey() + ".cfg";
            out.println("=".repeat(100));
            out.println(name + "  (AMCT's sample, built with io.amctkit.dsl.examples.SeedConfigs." + seed.getKey()
                    + "(); " + mode.label() + " mode)");
            out.println("=".repeat(100));
            out.print(config);
            out.println("-- validation: " + (diagnostics.hasErrors() ? "INVALID" : "valid") + ", "
                    + CfgValidateCommand.count(diagnostics.errors().size(), "error") + ", "
                    + CfgValidateCommand.count(diagnostics.warnings().size(), "warning"));
            diagnostics.items().forEach(d -> out.println("   " + d.format(name)));
            out.println();
            errors += diagnostics.errors().size();
            warnings += diagnostics.warnings().size();
        }
        out.println(SeedConfigs.all().size() + " configs: " + CfgValidateCommand.count(errors, "error") + ", "
                + CfgValidateCommand.count(warnings, "warning")
                + ". The samples use AMCT's placeholder names \"Opname\"/\"Optype\"; see ./amctkit cfg new --help.");
        return errors == 0 ? ExitCode.OK : ExitCode.INVALID;
    }
}
