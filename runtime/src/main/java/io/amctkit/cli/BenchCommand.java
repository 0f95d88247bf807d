package io.amctkit.cli;

import io.amctkit.kernels.Backend;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.bench.CLoopAnchor;
import io.amctkit.runtime.bench.KernelBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
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
                    "With --compare-c, also builds and runs the one-pass C fake-quant loop (../shared/bench/fq_limit.c,"
                            + " gcc -O3 -march=native) first, on 64 M floats, and prints each kernel's share of it.",
                    "A quick check; docs/performance.md has the JMH figures and how they were measured."})
    static final class Kernels_ implements Callable<Integer> {

        /** fq_limit.c's size: the comparison runs the kernels on as many elements unless told otherwise. */
        static final int C_LOOP_ELEMENTS = 64 << 20;

        @Spec
        CommandSpec spec;

        @Option(names = "--elements", paramLabel = "N",
                description = "tensor size (default 16 M; 64 M, the C loop's, with --compare-c)")
        Integer elements;

        @Option(names = "--threads", split = ",", paramLabel = "T",
                description = "host threads, or a list to run in turn, e.g. 1,2 (default: all cores)")
        List<Integer> threads;

        @Option(names = "--repeat", defaultValue = "5", paramLabel = "R", description = "timed runs per kernel (median)")
        int repeat;

        @Option(names = "--compare-c", arity = "0..1", fallbackValue = "../shared/bench/fq_limit.c", paramLabel = "PATH",
                description = "build and run the C loop at PATH (default ../shared/bench/fq_limit.c) in the same run and"
                        + " print each kernel's GB/s as a share of the C loop's")
        Path compareC;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            int n = elements != null ? elements : compareC != null ? C_LOOP_ELEMENTS : 16 << 20;
            if (n < 4096) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--elements must be at least 4096");
            }
            List<Integer> counts = threads == null || threads.isEmpty()
                    ? List.of(Runtime.getRuntime().availableProcessors()) : threads;
            for (int t : counts) {
                if (t < 1) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1; got " + t);
                }
            }
            Backend backend = Backends.select();
            CLoopAnchor anchor = null;
            try {
                if (compareC != null) {
                    out.printf("building %s with gcc %s%n", compareC, String.join(" ", CLoopAnchor.FLAGS));
                    out.flush();
                    anchor = CLoopAnchor.build(compareC);
                }
                for (int t : counts) {
                    CLoopAnchor.Figures before = anchor == null ? null : anchor.run(t);
                    out.printf("%sbackend %s, %d thread%s, %d elements (float32)%n", counts.size() > 1 || before != null ? "\n" : "",
                            backend.name(), t, t == 1 ? "" : "s", n);
                    if (before == null) {
                        out.printf("%-22s %-14s %10s %8s%n", "kernel", "shape", "median ms", "GB/s");
                        out.flush();
                    }
                    List<KernelBench.Timing> timings;
                    try (Kernels k = backend.kernels(t)) {
                        timings = KernelBench.run(k, n, repeat, before == null ? timing -> print(out, timing, Double.NaN) : timing -> {
                        });
                    }
                    if (before != null) {
                        // the C loop again after the kernels: the memory bandwidth of a shared machine drifts
                        CLoopAnchor.Figures after = anchor.run(t);
                        double limit = (before.fakeQuantGbps() + after.fakeQuantGbps()) / 2;
                        out.printf("C one-pass fake quant: %.2f GB/s before, %.2f after the kernels; mean %.2f%n",
                                before.fakeQuantGbps(), after.fakeQuantGbps(), limit);
                        out.printf("%-22s %-14s %10s %8s  of C loop%n", "kernel", "shape", "median ms", "GB/s");
                        for (KernelBench.Timing timing : timings) {
                            print(out, timing, limit);
                        }
                    }
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                spec.commandLine().getErr().println("amctkit bench: " + e.getMessage());
                return 1;
            } finally {
                if (anchor != null) {
                    anchor.close();
                }
            }
            if (anchor != null) {
                out.printf("%nGB/s: bytes read + written per second. \"of C loop\": that over the mean of the C loop's%n"
                        + "fake quant at the same thread count. IFMR searches 61 candidates: not a streaming kernel.%n");
            }
            return ExitCode.OK;
        }

        /** One kernel's line; with a C loop figure ({@code limit} GB/s), its share of it. */
        private static void print(PrintWriter out, KernelBench.Timing timing, double limit) {
            String share = Double.isNaN(limit) ? "" : timing.streaming()
                    ? String.format("  %9.0f %%", 100 * timing.gigabytesPerSecond() / limit) : "          -";
            out.printf("%-22s %-14s %10.2f %8.2f%s%n", timing.kernel(), timing.shape(), timing.medianSeconds() * 1e3,
                    timing.gigabytesPerSecond(), share);
            out.flush();
        }
    }
}
