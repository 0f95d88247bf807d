package io.amctkit.cli;

import io.amctkit.jupyter.KernelSpec;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code amctkit jupyter install|uninstall}: the kernel spec of amctkit's Jupyter kernel. */
@Command(name = "jupyter", mixinStandardHelpOptions = true, description = "Install or remove amctkit's Jupyter kernel (Java with amctkit).",
        subcommands = {JupyterCommand.Install.class, JupyterCommand.Uninstall.class})
final class JupyterCommand {

    /** Where the spec goes. */
    static final class Target {
        @Option(names = "--user", description = "for this user, where Jupyter looks: $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else"
                + " $HOME/.local/share/jupyter (default)")
        boolean user;

        @Option(names = "--prefix", paramLabel = "P", description = "under P/share/jupyter (a virtualenv or conda prefix)")
        Path prefix;

        Path dataDir() {
            return prefix != null ? KernelSpec.prefixDataDir(prefix) : KernelSpec.userDataDir();
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true, description = "Write kernels/amctkit/kernel.json (this Java, this class path).")
    static final class Install implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ArgGroup(exclusive = true)
        Target target = new Target();

        @Override
        public Integer call() throws IOException {
            Path dir = KernelSpec.install(target.dataDir(), KernelSpec.currentJava(), System.getProperty("java.class.path"));
            spec.commandLine().getOut().println("installed the amctkit kernel spec in " + dir);
            return ExitCode.OK;
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true, description = "Remove kernels/amctkit.")
    static final class Uninstall implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ArgGroup(exclusive = true)
        Target target = new Target();

        @Override
        public Integer call() throws IOException {
            boolean removed = KernelSpec.uninstall(target.dataDir());
            spec.commandLine().getOut().println(removed ? "removed the amctkit kernel spec from " + target.dataDir()
                    : "no amctkit kernel spec in " + target.dataDir());
            return ExitCode.OK;
        }
    }
}
