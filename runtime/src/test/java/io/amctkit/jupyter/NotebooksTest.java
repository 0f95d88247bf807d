package io.amctkit.jupyter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tutorial notebooks, executed headless by Debian's Jupyter ({@code jupyter-nbconvert --execute}) on amctkit's
 * kernel installed into a temporary prefix: no error output anywhere, and the tables and plots each one promises.
 */
@Tag("notebook")
class NotebooksTest {

    static final Path NBCONVERT = Path.of("/usr/bin/jupyter-nbconvert");

    @TempDir
    static Path prefix;

    static Path root() {
        return Path.of(System.getProperty("amctkit.root", "..")).toAbsolutePath().normalize();
    }

    /** The kernel spec as {@code amctkit jupyter install --prefix} writes it, on the built classes and libraries. */
    @BeforeAll
    static void installKernel() throws IOException {
        assertTrue(Files.isExecutable(NBCONVERT), "Debian's jupyter-nbconvert is needed (apt-get install jupyter-nbconvert"
                + " python3-nbclient jupyter-client); .ci/run installs it");
        Path lib = root().resolve("runtime/target/lib");
        List<String> cp = new ArrayList<>(List.of(root().resolve("runtime/target/classes").toString()));
        try (var jars = Files.list(lib)) {
            jars.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> cp.add(p.toString()));
        }
        KernelSpec.install(KernelSpec.prefixDataDir(prefix), KernelSpec.currentJava(), String.join(":", cp));
    }

    static ProcessBuilder jupyter(Path dir, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("JUPYTER_PATH", KernelSpec.prefixDataDir(prefix).toString());
        pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
        return pb;
    }

    static String run(ProcessBuilder pb, int timeoutSeconds) throws Exception {
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), "timed out: " + output);
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    @Test
    void kernelspecListShowsTheInstalledKernel() throws Exception {
        String out = run(jupyter(prefix, "/usr/bin/jupyter-kernelspec", "list"), 120);
        assertTrue(out.contains("amctkit") && out.contains(prefix.toString()), out);
    }

    /**
     * {@code amctkit jupyter install --user} with a {@code $HOME} that is not the passwd home: the spec lands where
     * Jupyter itself looks, and {@code jupyter kernelspec list} (run with that {@code $HOME}) finds it.
     */
    @Test
    void userInstallFollowsJupytersHome(@TempDir Path home) throws Exception {
        String cp = root().resolve("runtime/target/classes") + ":" + root().resolve("runtime/target/lib") + "/*";
        ProcessBuilder install = new ProcessBuilder(KernelSpec.currentJava(), "-cp", cp, "io.amctkit.cli.Main", "jupyter", "install",
                "--user").redirectErrorStream(true);
        ProcessBuilder list = new ProcessBuilder("/usr/bin/jupyter-kernelspec", "list").redirectErrorStream(true);
        for (ProcessBuilder pb : List.of(install, list)) {
            pb.environment().keySet().removeIf(k -> k.startsWith("JUPYTER") || k.startsWith("XDG_"));
            pb.environment().put("HOME", home.toString());
        }
        String installed = run(install, 120);
        assertTrue(installed.contains(home.resolve(".local/share/jupyter/kernels/amctkit").toString()), installed);
        String listed = run(list, 120);
        assertTrue(listed.contains("amctkit") && listed.contains(home.toString()), listed);
    }

    /**
     * Each committed notebook, executed again from scratch: no error anywhere, its check cell passed, the tables and
     * plots it promises, and the same text outputs as the committed ones (timings aside): what a reader sees on a
     * code-hosting page is what the code does now.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"01-config-dsl, false", "02-resolve, false", "03-quantization, true", "04-pruning, true",
            "05-compressed-export, false", "06-sensitivity-and-tuning, true", "07-retrain, true"})
    void notebookRunsWithoutErrorsAndMatchesItsCommittedOutputs(String name, boolean hasImages) throws Exception {
        Path out = Files.createDirectories(prefix.resolve("out"));
        Path notebook = root().resolve("notebooks").resolve(name + ".ipynb");
        run(jupyter(out, NBCONVERT.toString(), "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=600",
                "--ExecutePreprocessor.kernel_name=" + KernelSpec.NAME, "--output-dir", out.toString(), notebook.toString()), 900);
        JsonNode executed = new ObjectMapper().readTree(out.resolve(name + ".ipynb").toFile());
        int html = 0;
        int images = 0;
        int code = 0;
        for (JsonNode cell : executed.get("cells")) {
            if (!cell.get("cell_type").asText().equals("code")) {
                continue;
            }
            code++;
            for (JsonNode o : cell.get("outputs")) {
                assertTrue(!o.get("output_type").asText().equals("error"), name + ": " + o);
                JsonNode data = o.get("data");
                if (data != null) {
                    html += data.has("text/html") ? 1 : 0;
                    images += data.has("image/png") ? 1 : 0;
                }
            }
            assertTrue(cell.get("execution_count").isNumber(), name + ": a cell did not run");
        }
        assertTrue(code >= 3, name);
        String last = executed.get("cells").get(executed.get("cells").size() - 1).toString();
        assertTrue(last.contains("checks passed"), name + " ends with its check cell, which passed: " + last);
        assertTrue(html >= 1, name + " shows a table");
        assertEquals(hasImages, images > 0, name + " images: " + images);
        List<String> committed = textOutputs(new ObjectMapper().readTree(notebook.toFile()));
        List<String> now = textOutputs(executed);
        assertEquals(committed.size(), now.size(), name + ": outputs added or lost; run notebooks/make_notebooks.py " + name);
        for (int i = 0; i < now.size(); i++) {
            assertEquals(committed.get(i), now.get(i), name + ": the committed output is stale; run"
                    + " /usr/bin/python3 notebooks/make_notebooks.py " + name + " and commit the notebook");
        }
    }

    /** Every code cell's text outputs (streams, text/plain, text/html), in order, each with its cell and kind. */
    static List<String> textOutputs(JsonNode notebook) {
        List<String> out = new ArrayList<>();
        int index = 0;
        for (JsonNode cell : notebook.get("cells")) {
            index++;
            if (!cell.get("cell_type").asText().equals("code")) {
                continue;
            }
            for (JsonNode o : cell.get("outputs")) {
                if (o.has("text")) {
                    out.add("cell " + index + " " + o.path("name").asText() + ":\n" + withoutTimings(join(o.get("text"))));
                }
                JsonNode data = o.path("data");
                for (String kind : List.of("text/plain", "text/html")) {
                    if (data.has(kind)) {
                        out.add("cell " + index + " " + kind + ":\n" + withoutTimings(join(data.get(kind))));
                    }
                }
            }
        }
        return out;
    }

    private static String join(JsonNode text) {
        if (text.isTextual()) {
            return text.asText();
        }
        StringBuilder s = new StringBuilder();
        text.forEach(t -> s.append(t.asText()));
        return s.toString();
    }

    /** Durations ("in 11.0 s", "250 ms") and the cells of a table column named "seconds" become {@code <time>}. */
    static String withoutTimings(String text) {
        String t = text.replaceAll("\\b\\d+(\\.\\d+)? ?(s|ms|min)\\b", "<time> $2");
        int header = t.indexOf("<th>seconds</th>");
        if (header < 0) {
            return t;
        }
        String head = t.substring(t.lastIndexOf("<tr>", header), header);
        int column = head.split("<th>", -1).length - 1;
        StringBuilder out = new StringBuilder();
        for (String row : t.split("(?=<tr>)", -1)) {
            String[] cells = row.split("(?=<td>)", -1);
            if (cells.length > column + 1) {
                cells[column + 1] = cells[column + 1].replaceFirst("^<td>[^<]*</td>", "<td><time></td>");
            }
            out.append(String.join("", cells));
        }
        return out.toString();
    }

    /** The notebooks' check cells throw on a wrong result; a throwing cell fails the run, so a wrong result fails the test. */
    @Test
    void aFailingCheckCellFailsTheNotebook() throws Exception {
        Path out = Files.createDirectories(prefix.resolve("failing"));
        String cell = "{\"cell_type\": \"code\", \"id\": \"c1\", \"metadata\": {}, \"execution_count\": null, \"outputs\": [],"
                + " \"source\": [\"int layers = 35;\\n\", \"if (layers != 36) throw new AssertionError(\\\"MiniLM has 36 Linear layers: \\\" + layers);\"]}";
        Path nb = Files.writeString(out.resolve("wrong.ipynb"), "{\"cells\": [" + cell + "], \"metadata\": {\"kernelspec\": {\"name\": \"amctkit\","
                + " \"display_name\": \"Java (amctkit)\", \"language\": \"java\"}}, \"nbformat\": 4, \"nbformat_minor\": 5}\n");
        Process p = jupyter(out, NBCONVERT.toString(), "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=" + KernelSpec.NAME,
                "--output-dir", out.toString(), "--output", "wrong-run", nb.toString()).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), output);
        assertTrue(p.exitValue() != 0, "the run must fail: " + output);
        assertTrue(output.contains("MiniLM has 36 Linear layers: 35"), output);
    }

    /** Committed executed, so that a reader sees the results: every code cell ran, none failed, and plots stay small. */
    @Test
    void notebooksAreCommittedWithTheirOutputs() throws IOException {
        try (var files = Files.list(root().resolve("notebooks"))) {
            List<Path> notebooks = files.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
            assertEquals(7, notebooks.size());
            for (Path nb : notebooks) {
                assertTrue(Files.size(nb) < 400_000, nb + " is " + Files.size(nb) + " bytes; keep its plots small");
                int outputs = 0;
                for (JsonNode cell : new ObjectMapper().readTree(nb.toFile()).get("cells")) {
                    if (cell.get("cell_type").asText().equals("code")) {
                        assertTrue(cell.get("execution_count").isNumber(), nb + ": a cell was not executed");
                        for (JsonNode o : cell.get("outputs")) {
                            assertTrue(!o.get("output_type").asText().equals("error"), nb + ": committed with an error");
                            outputs++;
                        }
                    }
                }
                assertTrue(outputs >= 3, nb + " has its outputs");
            }
        }
    }

    @Test
    void timingsAreTheOnlyThingTheStalenessCheckForgives() {
        assertEquals("retrained 5 layer(s) in <time> s; took <time> ms", withoutTimings("retrained 5 layer(s) in 11.0 s; took 250 ms"));
        String table = "<table><thead><tr><th>layer</th><th>seconds</th><th>gain</th></tr></thead>\n"
                + "<tbody><tr><td>fc1</td><td>2.97</td><td>3.5</td></tr>\n<tr><td>fc2</td><td>0.29</td><td>1.25</td></tr>";
        assertEquals(table.replace("<td>2.97</td>", "<td><time></td>").replace("<td>0.29</td>", "<td><time></td>"),
                withoutTimings(table));
        assertNotEquals(withoutTimings("SQNR 4.9 dB"), withoutTimings("SQNR 5.0 dB"), "results are compared");
    }
}
