package io.amctkit.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench kernels --compare-c}: the C loop built and run in the same run, each kernel's share of it printed. */
class BenchCliTest {

    static Path cLoop() {
        Path file = Path.of(System.getProperty("amctkit.reference", "../../shared/reference")).resolveSibling("bench")
                .resolve("fq_limit.c");
        assertTrue(Files.isRegularFile(file), "the C loop is missing at " + file.toAbsolutePath());
        return file;
    }

    /** Builds fq_limit.c with gcc and runs it on 64 M floats (about 10 s), then the kernels at one thread. */
    @Test
    @Tag("slow")
    void compareCPrintsEachStreamingKernelsShareOfTheCLoop() {
        CliTest.Result r = CliTest.run("bench", "kernels", "--compare-c=" + cLoop(), "--elements", "65536", "--threads", "1",
                "--repeat", "1");
        assertEquals(0, r.exit(), r.err() + r.out());
        Matcher c = Pattern.compile("C one-pass fake quant: (\\d+\\.\\d\\d) GB/s before, (\\d+\\.\\d\\d) after the kernels;"
                + " mean (\\d+\\.\\d\\d)").matcher(r.out());
        assertTrue(c.find(), r.out());
        double mean = (Double.parseDouble(c.group(1)) + Double.parseDouble(c.group(2))) / 2;
        assertEquals(mean, Double.parseDouble(c.group(3)), 0.006, "the share is of the mean of both C runs");
        assertTrue(mean > 0.1, r.out());
        for (String kernel : List.of("arq per-channel", "ulq forward", "ulq backward", "weight ulq forward", "2:4 mask")) {
            Matcher line = Pattern.compile("(?m)^" + kernel + " .*\\s(\\d+\\.\\d\\d)\\s+(\\d+) %$").matcher(r.out());
            assertTrue(line.find(), kernel + "\n" + r.out());
            long share = Math.round(100 * Double.parseDouble(line.group(1)) / Double.parseDouble(c.group(3)));
            assertTrue(Math.abs(share - Long.parseLong(line.group(2))) <= 1, "the share is GB/s over the C loop's: " + line.group());
        }
        assertTrue(r.out().lines().filter(l -> !l.startsWith("building ")).allMatch(l -> l.length() <= 100),
                "fits a 100-column terminal (but for the path built)\n" + r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("ifmr") && l.endsWith(" -")), "IFMR has no share\n" + r.out());
    }

    @Test
    void aMissingCLoopIsOneClearLine() {
        CliTest.Result r = CliTest.run("bench", "kernels", "--compare-c=/nonexistent/fq_limit.c", "--elements", "4096");
        assertEquals(1, r.exit(), r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("/nonexistent/fq_limit.c") && r.err().contains("--compare-c=PATH"), r.err());
    }

    /**
     * {@code bench checkpoint} on a small LLaMA-layout checkpoint: writes it in shards, runs {@code layers} and both
     * reports in their own JVMs (twice each), and prints each one's median wall time, weights per second, range and
     * highest measured peak memory.
     */
    @Test
    @Tag("slow")
    void checkpointBenchMeasuresEachCommandInItsOwnJvm(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        CliTest.Result r = CliTest.run("bench", "checkpoint", "--blocks", "2", "--hidden", "128", "--intermediate", "352",
                "--vocab", "512", "--shard-mb", "1", "--runs", "2", "--dir", dir.toString());
        assertTrue(r.out().contains("writing a LLaMA-layout BF16 checkpoint: 2 blocks, hidden 128, MLP 352, vocabulary 512"),
                r.out());
        Matcher shards = Pattern.compile("(\\d+) shards in").matcher(r.out());
        assertTrue(shards.find() && Integer.parseInt(shards.group(1)) >= 2, r.out() + r.err());
        for (String command : List.of("layers", "report --seed quant", "report --seed selective_prune")) {
            Matcher line = Pattern.compile("(?m)^" + Pattern.quote(command)
                    + " +(\\d+\\.\\d) +(\\d+\\.\\d\\d) +(\\d+\\.\\d)-(\\d+\\.\\d) +(\\d+) +(within|OVER) +(\\S+( GB)?)$")
                    .matcher(r.out());
            assertTrue(line.find(), command + "\n" + r.out() + r.err());
            double median = Double.parseDouble(line.group(1));
            assertTrue(median > 0.1, "a JVM's run takes time: " + line.group());
            assertTrue(Double.parseDouble(line.group(3)) <= median + 0.05 && median <= Double.parseDouble(line.group(4)) + 0.05,
                    "the median within the range of the two runs: " + line.group());
            long peakMb = Long.parseLong(line.group(5));
            assertTrue(peakMb > 50 && peakMb < 2000, "the child's own peak, in MB: " + line.group());
        }
        assertTrue(Files.isRegularFile(dir.resolve("report-selective_prune").resolve("record.txt")), "the reports stay in --dir");
        assertTrue(!Files.exists(dir.resolve("checkpoint")), "the checkpoint is deleted without --keep");
        assertTrue(r.out().lines().allMatch(l -> l.length() <= 120 || l.startsWith("writing ")), r.out());
    }
}
