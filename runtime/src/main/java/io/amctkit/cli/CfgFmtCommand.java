package io.amctkit.cli;

import io.amctkit.dsl.CfgException;
import io.amctkit.dsl.CfgFormat;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.internal.AtomicFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code amctkit cfg fmt}: a {@code .cfg} laid out uniformly (4-space indent, {@code name: value}, {@code name {} }),
 * keeping its field order and every comment where it was; {@code --drop-comments} prints the canonical form instead
 * (AMCT's sample order, no comments).
 */
@Command(name = "fmt", mixinStandardHelpOptions = true,
        description = {"Print a .cfg laid out uniformly (AMCT reads it to the same message), or write it atomically.",
                "Field order, blank lines between groups and every comment are kept: a full-line comment stays above",
                "the field it describes, a trailing one on its line. --drop-comments prints the canonical form instead."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:formatted", "1:the file is not a valid .cfg", "2:usage or I/O error (nothing written)"})
final class CfgFmtCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the .cfg to format")
    Path file;

    @ArgGroup(exclusive = true)
    Target target;

    static final class Target {
        @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "write to OUT (must not exist, unless --force)")
        Path output;

        @Option(names = "--in-place", description = "replace FILE with its canonical form")
        boolean inPlace;
    }

    @Option(names = "--force", description = "with -o: replace OUT if it exists")
    boolean force;

    @Option(names = "--drop-comments", description = "the canonical form: AMCT's sample order, comments dropped")
    boolean dropComments;

    @Override
    public Integer call() throws IOException {
        RetrainConfig config;
        try {
            config = RetrainConfig.read(file);
        } catch (CfgException e) {
            e.diagnostics().forEach(d -> spec.commandLine().getErr().println(d.format(file.toString())));
            return e.isIoError() ? ExitCode.USAGE_OR_IO : ExitCode.INVALID;
        }
        String text = dropComments ? config.toString()
                : CfgFormat.keepingComments(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        if (target == null) {
            spec.commandLine().getOut().print(text);
            return ExitCode.OK;
        }
        Path out = target.inPlace ? file : target.output;
        try {
            AtomicFiles.writeString(out, text, target.inPlace || force);
        } catch (FileAlreadyExistsException e) {
            spec.commandLine().getErr().println(out + ": already exists; nothing written (add --force to replace it)");
            return ExitCode.USAGE_OR_IO;
        } catch (IOException e) {
            spec.commandLine().getErr().println(out + ": cannot write: " + e.getMessage() + "; nothing written");
            return ExitCode.USAGE_OR_IO;
        }
        return ExitCode.OK;
    }
}
