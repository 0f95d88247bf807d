package io.amctkit.cli;

import io.amctkit.jupyter.KernelSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outputs survive a {@code kill -9}: a separate JVM runs {@code report --out DIR} (or {@code cfg fmt --in-place}) over
 * the files of an earlier run and is killed in the middle of writing each output in turn; every file in DIR is then
 * either its previous complete version or its new complete one (hidden temporary files aside).
 */
@Tag("real-model")
class CrashSafeOutputsTest {

    @TempDir
    Path dir;

    @Test
    void aReportKilledWhileWritingAnyOutputLeavesEveryFileWholeOldOrWholeNew() throws Exception {
        Path out = dir.resolve("out");
        String[] before = {"report", "--model", "zoo:fashion-cnn", "--seed", "quant", "--out", out.toString()};
        String[] after = {"report", "--model", "zoo:fashion-cnn", "--seed", "compressed1", "--out", out.toString()};
        assertEquals(0, runHere(after));
        Map<String, String> newVersions = digests(out);

        assertTrue(newVersions.keySet().containsAll(List.of("report.html", "record.txt", "summary.json", "suggested.cfg",
                "fake_quant_model.onnx", "deploy_model.onnx", "pruned_model.onnx")), newVersions.keySet().toString());
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        assertEquals(0, runHere(before));
        assertFalse(digests(out).containsKey("pruned_model.onnx"), "the earlier run writes no pruned model");
        for (String file : newVersions.keySet()) {
            Map<String, String> old = digests(out);
            killWhileWriting(out.resolve(file), after);
            Map<String, String> now = digests(out);

            for (Map.Entry<String, String> f : now.entrySet()) {
                assertTrue(f.getValue().equals(old.get(f.getKey())) || f.getValue().equals(newVersions.get(f.getKey())),
                        "killed while writing " + file + ": " + f.getKey() + " is neither its old nor its new version");
            }
            assertTrue(now.keySet().containsAll(old.keySet()), "killed while writing " + file + ": a file was lost");
        }
        assertEquals(0, runHere(after));
        assertEquals(newVersions, digests(out), "a complete run after the kills writes every new version");
    }

    @Test
    void cfgFmtInPlaceKilledWhileWritingLeavesTheFileWholeOldOrWholeNew() throws Exception {
        StringBuilder cfg = new StringBuilder("# a long, commented config\n");
        for (int i = 0; i < 3000; i++) {
            cfg.append("quant_skip_layers :   \"layer_").append(i).append("\"   # skipped\n");
        }
        Path file = Files.writeString(dir.resolve("big.cfg"), cfg.toString());
        Path copy = Files.writeString(dir.resolve("copy.cfg"), cfg.toString());
        assertEquals(0, runHere("cfg", "fmt", "--in-place", copy.toString()));
        String formatted = Files.readString(copy);
        assertFalse(formatted.equals(cfg.toString()), "formatting changes the file");
        killWhileWriting(file, new String[]{"cfg", "fmt", "--in-place", file.toString()});
        String now = Files.readString(file);
        assertTrue(now.equals(cfg.toString()) || now.equals(formatted), "neither the old nor the new file");
    }

    private static int runHere(String... args) {
        return Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), args);
    }

    /** Runs the CLI in its own JVM, waits until it announces writing {@code target}, and kills it (SIGKILL). */
    private static void killWhileWriting(Path target, String[] args) throws Exception {
        Path root = Path.of(System.getProperty("amctkit.root", "..")).toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of(KernelSpec.currentJava(), "-Damctkit.debug.pauseWriting="
                + target.getFileName(), "-cp",
                root.resolve("runtime/target/classes") + ":" + root.resolve("runtime/target/lib") + "/*", "io.amctkit.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Process p = pb.start();
        String announced = "amctkit: writing " + target.toAbsolutePath();
        StringBuilder seen = new StringBuilder();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null && !line.equals(announced)) {
                seen.append(line).append('\n');
            }
            assertTrue(line != null, "the run never wrote " + target + ":\n" + seen);
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "not killed");
            assertEquals(137, p.exitValue(), "killed by SIGKILL");
        } finally {
            p.destroyForcibly();
        }
    }

    /** SHA-256 of every file in {@code folder} but the hidden temporary files, by name. */
    private static Map<String, String> digests(Path folder) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.filter(f -> !(f.getFileName().toString().startsWith(".") && f.toString().endsWith(".tmp"))).toList()) {
                out.put(f.getFileName().toString(), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }
}
