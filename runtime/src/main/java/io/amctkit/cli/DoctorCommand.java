package io.amctkit.cli;

import io.amctkit.kernels.Backend;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code amctkit doctor}: the machine, every kernel backend found, which one runs and where each kernel runs. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Report the Java runtime and every kernel backend: usable or not, and why.",
                "Choose one with -Damctkit.backend=NAME (AMCTKIT_JAVA_OPTS) or AMCTKIT_BACKEND=NAME."})
final class DoctorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Runtime rt = Runtime.getRuntime();
        out.printf("java %s (%s), %s %s, %d cores, max heap %d MiB%n", Runtime.version(), System.getProperty("java.vendor"),
                System.getProperty("os.name"), System.getProperty("os.arch"), rt.availableProcessors(), rt.maxMemory() >> 20);
        out.println(Backends.describe());
        try {
            Backend chosen = Backends.select();
            out.println("selected: " + chosen.name());
            try (Kernels k = chosen.kernels(rt.availableProcessors())) {
                k.placement().forEach((kernel, where) -> out.printf("  %-20s %s%n", kernel, where));
            }
            return ExitCode.OK;
        } catch (Backends.BackendException e) {
            out.println("selected: none — " + e.getMessage().lines().findFirst().orElse(""));
            return ExitCode.INVALID;
        }
    }
}
