package io.amctkit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code amctkit cfg}: work with {@code .cfg} files without a model. */
@Command(name = "cfg", mixinStandardHelpOptions = true,
        description = "Create, format and validate AMCT simplified configs (.cfg).",
        subcommands = {CfgSamplesCommand.class, CfgValidateCommand.class, CfgFmtCommand.class, CfgNewCommand.class, CfgDiffCommand.class, CommandLine.HelpCommand.class})
final class CfgCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: validate, fmt, new or diff");
    }
}
