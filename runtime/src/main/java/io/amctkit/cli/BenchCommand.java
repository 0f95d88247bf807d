package io.amctkit.cli;

import io.amctkit.kernels.Backend;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.bench.KernelBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code amctkit bench kernels}: GB/s of each kernel on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure amctkit on this machine.",
        subcommands = {BenchCommand.Kernels_.class, CommandLine.HelpCommand.class})
final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: kernels");
    }

    @Command(name = "kernels", mixinStandardHelpOptions = true,
            description = {"Each kernel on synthetic float32 data: median time and GB/s (bytes read + written per second).",
                    "A quick check; docs/performance.md has the JMH figures and how they were measured."})
    static final class Kernels_ implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--elements", defaultValue = "16777216", paramLabel = "N", description = "tensor size (default 16 M)")
        int elements;

        @Option(names = "--threads", paramLabel = "T", description = "host threads (default: all cores)")
        Integer threads;

        @Option(names = "--repeat", defaultValue = "5", paramLabel = "R", description = "timed runs per kernel (median)")
        int repeat;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (elements < 4096) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--elements must be at least 4096");
            }
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            Backend backend = Backends.select();
            out.printf("backend %s, %d threads, %d elements (float32)%n", backend.name(), t, elements);
            out.printf("%-22s %-14s %10s %8s%n", "kernel", "shape", "median ms", "GB/s");
            try (Kernels k = backend.kernels(t)) {
                for (KernelBench.Timing timing : KernelBench.run(k, elements, repeat)) {
                    out.printf("%-22s %-14s %10.2f %8.2f%n", timing.kernel(), timing.shape(), timing.medianSeconds() * 1e3,
                            timing.gigabytesPerSecond());
                    out.flush();
                }
            }
            return ExitCode.OK;
        }
    }
}
