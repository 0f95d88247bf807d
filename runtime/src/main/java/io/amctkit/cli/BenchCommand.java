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
        subcommands = {BenchCommand.Kernels_.class, BenchCommand.Checkpoint.class, CommandLine.HelpCommand.class})
final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: kernels, checkpoint");
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

    @Command(name = "checkpoint", mixinStandardHelpOptions = true,
            description = {"Writes a synthetic sharded BF16 checkpoint in the LLaMA layout (default: LLaMA-2-7B's shape,"
                    + " 13.5 GB in 4 shards) and measures `layers` and `report --seed S` on it, each in its own JVM:"
                    + " wall time, stored weights per second, and peak resident memory against the bound"
                    + " (2 x the largest tensor as float32 + 300 MB).",
                    "Needs the checkpoint's size in free disk space (and as much free RAM to measure from the page cache,"
                            + " as a second run does). docs/performance.md has the recorded figures."})
    static final class Checkpoint implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--dir", paramLabel = "DIR", description = "where the checkpoint is written (default: a folder in"
                + " the temporary directory, deleted afterwards unless --keep)")
        Path dir;

        @Option(names = "--blocks", defaultValue = "32", paramLabel = "N", description = "decoder blocks (default 32)")
        int blocks;

        @Option(names = "--hidden", defaultValue = "4096", paramLabel = "N", description = "hidden size (default 4096)")
        int hidden;

        @Option(names = "--intermediate", defaultValue = "11008", paramLabel = "N", description = "MLP size (default 11008)")
        int intermediate;

        @Option(names = "--vocab", defaultValue = "32000", paramLabel = "N", description = "vocabulary (default 32000)")
        int vocab;

        @Option(names = "--shard-mb", defaultValue = "4000", paramLabel = "MB", description = "largest shard (default 4000 MB)")
        long shardMb;

        @Option(names = "--seeds", split = ",", defaultValue = "quant,selective_prune", paramLabel = "S",
                description = "sample configs to report with (default quant,selective_prune)")
        List<String> seeds;

        @Option(names = "--runs", defaultValue = "3", paramLabel = "N",
                description = "runs of each command (default 3): the median wall time, its GB/s, the range and the highest"
                        + " peak are shown (a shared machine's noise)")
        int runs;

        @Option(names = "--keep", description = "keep the checkpoint and the reports (and reuse a checkpoint of the same"
                + " shape found in --dir instead of writing it again)")
        boolean keep;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            io.amctkit.runtime.bench.SyntheticCheckpoint.Shape shape;
            try {
                shape = new io.amctkit.runtime.bench.SyntheticCheckpoint.Shape(blocks, hidden, intermediate, vocab);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (shardMb < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--shard-mb must be at least 1");
            }
            boolean temporary = dir == null;
            Path root = temporary ? java.nio.file.Files.createTempDirectory("amctkit-checkpoint-bench") : dir;
            Path checkpoint = root.resolve("checkpoint");
            long bytes = shape.bytes();
            try {
                Path index = checkpoint.resolve("model.safetensors.index.json");
                if (keep && java.nio.file.Files.exists(index)
                        && java.nio.file.Files.readString(index).contains("\"total_size\" : " + bytes + "")) {
                    out.printf("reusing the checkpoint in %s (%.2f GB)%n", checkpoint, bytes / 1e9);
                } else {
                    out.printf("writing a LLaMA-layout BF16 checkpoint: %d blocks, hidden %d, MLP %d, vocabulary %d:"
                            + " %.2f GB to %s ...%n", blocks, hidden, intermediate, vocab, bytes / 1e9, checkpoint);
                    out.flush();
                    long t0 = System.nanoTime();
                    var written = io.amctkit.runtime.bench.SyntheticCheckpoint.write(checkpoint, shape, shardMb << 20);
                    out.printf("  %d shards in %.1f s%n", written.shards().size(), (System.nanoTime() - t0) / 1e9);
                }
                long bound = io.amctkit.runtime.bench.CheckpointBench.memoryBound(shape);
                out.printf("%nmemory bound: 2 x %.0f MB (the largest tensor as float32) + 300 MB = %.0f MB; %d cores%n",
                        (bound - io.amctkit.runtime.bench.CheckpointBench.OVERHEAD) / 2 / 1048576.0, bound / 1048576.0,
                        Runtime.getRuntime().availableProcessors());
                if (runs < 1) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be at least 1; got " + runs);
                }
                out.printf("%-30s %7s %12s %11s %12s %7s %11s%n", "command", "wall s", "weights GB/s", "range s",
                        "peak RSS MB", "bound", "record.txt");
                out.flush();
                List<List<String>> commands = new java.util.ArrayList<>();
                commands.add(List.of("layers", checkpoint.toString()));
                for (String seed : seeds) {
                    commands.add(List.of("report", "--model", checkpoint.toString(), "--seed", seed, "--out",
                            root.resolve("report-" + seed).toString()));
                }
                int failures = 0;
                for (List<String> args : commands) {
                    String label = args.get(0).equals("layers") ? "layers" : "report --seed " + args.get(4);
                    Path reportDir = args.get(0).equals("layers") ? root.resolve("layers") : Path.of(args.get(6));
                    List<io.amctkit.runtime.bench.CheckpointBench.Run> done = new java.util.ArrayList<>();
                    for (int i = 0; i < runs; i++) {
                        // each run writes into an empty folder: replacing a gigabytes-long record.txt adds the file
                        // system's delete of the old one (seconds on this disk) to the run, outside what is measured here
                        io.amctkit.dsl.internal.Folders.deleteTree(reportDir);
                        var one = io.amctkit.runtime.bench.CheckpointBench.run(args, reportDir, reportDir.resolve("output.txt"));
                        done.add(one);
                        if (one.exitCode() != 0) {
                            break;
                        }
                    }
                    var run = io.amctkit.runtime.bench.CheckpointBench.median(done);
                    var peak = io.amctkit.runtime.bench.CheckpointBench.highestPeak(done);
                    Path record = reportDir.resolve("record.txt");
                    String recordSize = java.nio.file.Files.exists(record)
                            ? String.format("%.2f GB", java.nio.file.Files.size(record) / 1e9) : "-";
                    double fastest = done.stream().mapToDouble(io.amctkit.runtime.bench.CheckpointBench.Run::seconds).min().orElse(0);
                    double slowest = done.stream().mapToDouble(io.amctkit.runtime.bench.CheckpointBench.Run::seconds).max().orElse(0);
                    out.printf("%-30s %7.1f %12.2f %11s %12s %7s %11s%n", label, run.seconds(), run.gigabytesPerSecond(bytes),
                            String.format("%.1f-%.1f", fastest, slowest),
                            peak.isPresent() ? String.format("%.0f", peak.getAsLong() / 1048576.0) : "?",
                            peak.isEmpty() ? "?" : peak.getAsLong() <= bound ? "within" : "OVER", recordSize);
                    out.flush();
                    if (run.exitCode() != 0) {
                        failures++;
                        spec.commandLine().getErr().println("amctkit bench: `amctkit " + String.join(" ", args)
                                + "` exited with " + run.exitCode() + "; its output: " + run.log());
                    } else if (peak.isEmpty() || peak.getAsLong() > bound) {
                        failures++;
                    }
                }
                out.printf("%nwall s: from the JVM's start to its exit, the median of %d run(s) (range: fastest-slowest);"
                        + " weights GB/s:%nthe checkpoint's %.2f GB over the median; peak RSS: the highest VmHWM of the runs"
                        + " (MB = 2^20 bytes),%nagainst the bound.%n", runs, bytes / 1e9);
                return failures == 0 ? ExitCode.OK : ExitCode.INVALID;
            } finally {
                if (!keep) {
                    io.amctkit.dsl.internal.Folders.deleteTree(temporary ? root : checkpoint);
                }
            }
        }
    }
}
