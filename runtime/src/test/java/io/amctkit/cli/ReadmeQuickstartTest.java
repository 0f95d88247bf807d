package io.amctkit.cli;

import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The README's JShell quickstart runs as written, in JShell, and prints what it promises. */
class ReadmeQuickstartTest {

    static String jshellBlock() throws IOException {
        Path readme = Path.of(System.getProperty("amctkit.root", "..")).resolve("README.md");
        String text = Files.readString(readme);
        int start = text.indexOf("```jshell\n");
        assertTrue(start >= 0, "README has a ```jshell block");
        int end = text.indexOf("\n```", start + 10);
        return text.substring(start + "```jshell\n".length(), end + 1);
    }

    @Test
    void quickstartRunsInJShell() throws IOException {
        String code = jshellBlock();
        PrintStream realOut = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<String> problems = new ArrayList<>();
        try (JShell shell = JShell.builder().executionEngine("local").build()) {
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                shell.addToClasspath(entry);
            }
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            String remaining = code;
            while (!remaining.isBlank()) {
                SourceCodeAnalysis.CompletionInfo info = shell.sourceCodeAnalysis().analyzeCompletion(remaining);
                if (info.completeness() != SourceCodeAnalysis.Completeness.COMPLETE
                        && info.completeness() != SourceCodeAnalysis.Completeness.COMPLETE_WITH_SEMI) {
                    if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                        break;
                    }
                    fail("incomplete snippet in README: " + remaining);
                }
                for (SnippetEvent event : shell.eval(info.source())) {
                    if (event.status() == Snippet.Status.REJECTED) {
                        problems.add("rejected: " + info.source() + " " + shell.diagnostics(event.snippet())
                                .map(d -> d.getMessage(null)).toList());
                    }
                    if (event.exception() != null) {
                        problems.add("threw: " + info.source() + " -> " + event.exception());
                    }
                }
                remaining = info.remaining();
            }
        } finally {
            System.setOut(realOut);
        }
        assertEquals(List.of(), problems);
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("override_layer_configs {\n    layer_name: \"layer1.0.conv1\""), out);
        assertTrue(out.contains("\nok\n"), "the quant config validates:\n" + out);
        assertTrue(out.contains("COMPRESSED"), out);
        assertTrue(out.contains("clip_min must be < 0 and clip_max > 0 (AMCT rule); got clip_min=6.0, clip_max=-6.0"), out);
        assertTrue(out.contains("my.cfg:1:59: error:"), out);
        assertTrue(out.strip().endsWith("true"), out);
    }

    /** Every "$ ./amctkit ..." transcript in the README prints what the README shows (run from the repository root). */
    @Test
    void readmeTranscriptsAreTrue() throws IOException {
        Path root = Path.of(System.getProperty("amctkit.root", ".."));
        String text = Files.readString(root.resolve("README.md"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("```text\\n\\$ \\./amctkit ([^\\n]+)\\n(.*?)```", java.util.regex.Pattern.DOTALL).matcher(text);
        int checked = 0;
        while (m.find()) {
            String[] args = m.group(1).split(" ");
            for (int i = 0; i < args.length; i++) {
                if (args[i].startsWith("examples/") || args[i].startsWith("../shared/")) {
                    args[i] = root.resolve(args[i]).toString();
                }
            }
            CliTest.Result r = CliTest.run(args);
            String shown = r.out() + r.err();
            String expected = m.group(2);
            String actual = shown.replace(root.toString() + "/", "");
            for (String line : expected.lines().toList()) {
                assertTrue(actual.contains(line.replace(root + "/", "")), "README line not printed by './amctkit " + m.group(1)
                        + "':\n" + line + "\nactual:\n" + actual);
            }
            checked++;
        }
        assertTrue(checked >= 2, "README transcripts found: " + checked);
    }
}
