package io.amctkit.runtime.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The memory limit the kernels are measured against: the one-pass C fake-quant loop of {@code fq_limit.c}
 * (../shared/bench), built here with gcc and its own flags and run on 64 M floats with {@code OMP_NUM_THREADS} threads.
 * A small C wrapper lets the file build on CPUs without AVX-512 (its AVX-512 variants are then left out). Close it to
 * delete the binary.
 */
public final class CLoopAnchor implements AutoCloseable {

    /** What the C program measured at one thread count: its plain fake-quant loop and its plain copy, in GB/s. */
    public record Figures(int threads, double fakeQuantGbps, double copyGbps) {
    }

    /** The flags fq_limit.c asks for (its header). */
    public static final List<String> FLAGS = List.of("-O3", "-march=native", "-fno-trapping-math", "-fopenmp");

    private static final String WRAPPER = "fq_limit_anchor.c";
    private static final long RUN_SECONDS = 300;

    private final Path dir;
    private final Path binary;

    private CLoopAnchor(Path dir, Path binary) {
        this.dir = dir;
        this.binary = binary;
    }

    /** Builds {@code source} (fq_limit.c) with gcc into a temporary folder; a clear error when either is missing. */
    public static CLoopAnchor build(Path source) {
        Path file = source.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the C loop " + source + " does not exist; give the path of fq_limit.c"
                    + " (--compare-c=PATH, default ../shared/bench/fq_limit.c from where amctkit runs)");
        }
        if (file.toString().contains("\"") || file.toString().contains("\\")) {
            throw new IllegalArgumentException("the C loop's path " + file + " contains a quote or backslash; copy it elsewhere");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("amctkit-fq-limit");
            try (InputStream in = CLoopAnchor.class.getResourceAsStream(WRAPPER)) {
                Files.copy(in, dir.resolve(WRAPPER));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a build folder for the C loop: " + e.getMessage(), e);
        }
        Path binary = dir.resolve("fq_limit");
        List<String> command = new ArrayList<>(List.of("gcc"));
        command.addAll(FLAGS);
        command.addAll(List.of("-DFQ_SOURCE=\"" + file + "\"", dir.resolve(WRAPPER).toString(), "-o", binary.toString(), "-lm"));
        CLoopAnchor anchor = new CLoopAnchor(dir, binary);
        try {
            Output out = anchor.run(command, null, 120);
            if (out.exit != 0) {
                throw new IllegalStateException("gcc could not build " + file + " (" + String.join(" ", FLAGS) + "):\n" + out.tail());
            }
        } catch (IOException e) {
            anchor.close();
            throw new IllegalStateException("gcc is needed to build the C loop and was not found: " + e.getMessage()
                    + "; install it (apt-get install gcc) or run without --compare-c", e);
        } catch (RuntimeException e) {
            anchor.close();
            throw e;
        }
        return anchor;
    }

    /** Runs the C loop on {@code threads} OpenMP threads: its median over nine timed runs after two warm-ups. */
    public Figures run(int threads) {
        try {
            Output out = run(List.of(binary.toString()), threads, RUN_SECONDS);
            if (out.exit != 0) {
                throw new IllegalStateException("the C loop exited with " + out.exit + ":\n" + out.tail());
            }
            return parse(out.text, threads);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the C loop " + binary + ": " + e.getMessage(), e);
        }
    }

    /** Reads fq_limit.c's table (metric, threads, median s, min s, bytes, GB/s): the plain fake quant and copy. */
    static Figures parse(String table, int threads) {
        double fq = Double.NaN;
        double copy = Double.NaN;
        for (String line : table.split("\n")) {
            String[] cols = line.trim().split("\t");
            if (cols.length < 6) {
                continue;
            }
            switch (cols[0]) {
                case "C.fq_per_tensor_plain" -> fq = Double.parseDouble(cols[5]);
                case "C.copy_plain" -> copy = Double.parseDouble(cols[5]);
                default -> {
                }
            }
        }
        if (Double.isNaN(fq)) {
            throw new IllegalStateException("the C loop printed no C.fq_per_tensor_plain line:\n" + table);
        }
        return new Figures(threads, fq, copy);
    }

    private record Output(int exit, String text) {
        String tail() {
            List<String> lines = text.lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        }
    }

    private Output run(List<String> command, Integer threads, long seconds) throws IOException {
        Path log = Files.createTempFile(dir, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        if (threads != null) {
            pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        }
        Process p = pb.start();
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command.get(0) + " took more than " + seconds + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
        return new Output(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        try {
            io.amctkit.dsl.internal.Folders.deleteTree(dir);
        } catch (IOException e) {
            // a temporary folder left behind is not worth failing the measurement for
        }
    }
}
