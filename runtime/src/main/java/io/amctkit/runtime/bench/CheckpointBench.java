package io.amctkit.runtime.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Measures amctkit commands on a checkpoint the way a user runs them: each in its own JVM, started by the
 * {@code amctkit} launcher when this runs under it (its JVM options per command), else by this JVM's java with its
 * module and heap options and class path; timed from start to exit, its peak resident memory read from the child
 * itself as it exits ({@link PeakMemory}), against the bound the large-model design promises: twice the largest tensor
 * as float32, plus 300 MB.
 */
public final class CheckpointBench {

    /** Memory beyond the tensors a command may use: the JVM, ND4J, the report's own data. */
    public static final long OVERHEAD = 300L << 20;

    /** One command's run: its wall time, peak memory (when the system reports it), exit code and output folder. */
    public record Run(String command, double seconds, OptionalLong peakBytes, int exitCode, Path out, Path log) {
        /** Stored weights per second. */
        public double gigabytesPerSecond(long weightBytes) {
            return weightBytes / seconds / 1e9;
        }

        public boolean within(long boundBytes) {
            return peakBytes.isPresent() && peakBytes.getAsLong() <= boundBytes;
        }
    }

    private CheckpointBench() {
    }

    /** The promised peak: 2 × the largest tensor of {@code shape} as float32 + {@link #OVERHEAD}. */
    public static long memoryBound(SyntheticCheckpoint.Shape shape) {
        long largest = shape.tensors().stream().mapToLong(SyntheticCheckpoint.Tensor::elements).max().orElse(0);
        return 2 * 4 * largest + OVERHEAD;
    }

    /** The run of median wall time (the later of the middle two for an even count); a failed run when there is one. */
    public static Run median(List<Run> runs) {
        java.util.Optional<Run> failed = runs.stream().filter(r -> r.exitCode() != 0).findFirst();
        if (failed.isPresent()) {
            return failed.get();
        }
        List<Run> sorted = runs.stream().sorted(java.util.Comparator.comparingDouble(Run::seconds)).toList();
        return sorted.get(sorted.size() / 2);
    }

    /** The highest peak resident memory of the runs, empty when one of them did not record its own. */
    public static OptionalLong highestPeak(List<Run> runs) {
        if (runs.isEmpty() || runs.stream().anyMatch(r -> r.peakBytes().isEmpty())) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(runs.stream().mapToLong(r -> r.peakBytes().getAsLong()).max().getAsLong());
    }

    /** Runs {@code amctkit ARGS} in a child JVM, its output to {@code log}. */
    public static Run run(List<String> args, Path out, Path log) throws IOException, InterruptedException {
        Files.createDirectories(out);
        Path peak = Files.createTempFile("amctkit-peak", ".txt");
        try {
            List<String> command = new ArrayList<>();
            String launcher = System.getenv("AMCTKIT_LAUNCHER");
            String peakOption = "-D" + PeakMemory.FILE_PROPERTY + "=" + peak;
            boolean viaLauncher = launcher != null && Files.isExecutable(Path.of(launcher));
            if (viaLauncher) {
                command.add(launcher);   // the launcher's own JVM options for each command, as a user gets them
            } else {
                command.add(ProcessHandle.current().info().command().orElse("java"));
                for (String jvm : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                    if (jvm.startsWith("--add-modules") || jvm.startsWith("-Xm") || jvm.startsWith("-XX:+Use")) {
                        command.add(jvm);
                    }
                }
                command.add(peakOption);
                command.add("-cp");
                command.add(System.getProperty("java.class.path"));
                command.add("io.amctkit.cli.Main");
            }
            command.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            if (viaLauncher) {
                String opts = System.getenv().getOrDefault("AMCTKIT_JAVA_OPTS", "");
                pb.environment().put("AMCTKIT_JAVA_OPTS", (opts + " " + peakOption).trim());
            }
            long start = System.nanoTime();
            Process p = pb.start();
            int exit = p.waitFor();
            double seconds = (System.nanoTime() - start) / 1e9;
            String written = Files.exists(peak) ? Files.readString(peak).trim() : "";
            OptionalLong bytes = written.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(written));
            return new Run(String.join(" ", args), seconds, bytes, exit, out, log);
        } finally {
            Files.deleteIfExists(peak);
        }
    }
}
