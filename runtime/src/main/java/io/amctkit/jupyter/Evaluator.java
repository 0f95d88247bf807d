package io.amctkit.jupyter;

import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Evaluates Java cells and scripts with JShell in this JVM (so output and objects stay here), amctkit on the class
 * path and its imports loaded. A cell may hold several snippets; its value is the last expression's, as an object.
 */
public final class Evaluator implements AutoCloseable {

    /** The imports every session starts with: the resource {@code amctkit-imports.jsh} (also JShell's startup in {@code amctkit shell}). */
    public static final List<String> IMPORTS = readImports();

    private static List<String> readImports() {
        try (var in = Evaluator.class.getResourceAsStream("/amctkit-imports.jsh")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("import ")).toList();
        } catch (java.io.IOException | NullPointerException e) {
            throw new IllegalStateException("amctkit-imports.jsh is missing from the class path", e);
        }
    }

    /** A cell that did not compile or threw: the message JShell gives, with the line and column. */
    public static final class CellException extends Exception {
        public CellException(String message) {
            super(message, null, false, false);
        }
    }

    private final JShell shell;
    private final CapturingExecution execution = new CapturingExecution();

    public Evaluator(PrintStream out, PrintStream err) {
        this.shell = JShell.builder().executionEngine(execution, java.util.Map.of()).out(out).err(err)
                .compilerOptions("--class-path", System.getProperty("java.class.path")).build();
        for (String imp : IMPORTS) {
            shell.eval(imp);
        }
    }

    /** Adds jars or class folders (a folder's jars too) to the class path of later cells. */
    public void addToClasspath(String path) {
        shell.addToClasspath(path);
    }

    /** Runs every snippet of {@code code}; returns the value of the last one if it is an expression. */
    public Optional<Object> eval(String code) throws CellException {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String remaining = code;
        Object value = null;
        boolean hasValue = false;
        int offsetLines = 0;
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                break;
            }
            if (!info.completeness().isComplete()) {
                throw new CellException("line " + (offsetLines + 1) + ": incomplete code: " + firstLine(remaining));
            }
            String source = info.source();
            int start = remaining.indexOf(source.stripTrailing());
            int lead = newlines(remaining.substring(0, start >= 0 ? start
                    : remaining.length() - remaining.stripLeading().length()));
            execution.clear();
            hasValue = false;
            for (SnippetEvent e : shell.eval(source)) {
                if (e.causeSnippet() != null) {
                    continue;
                }
                Snippet s = e.snippet();
                if (e.status() == Snippet.Status.REJECTED) {
                    throw new CellException(diagnostics(s, source, offsetLines + lead));
                }
                if (e.exception() != null) {
                    throw new CellException("line " + (offsetLines + lead + 1) + ": " + describe(e.exception()));
                }
                if (s.kind() == Snippet.Kind.EXPRESSION || s.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND) {
                    value = execution.lastValue();
                    hasValue = true;
                }
            }
            offsetLines += newlines(remaining.substring(0, remaining.length() - info.remaining().length()));
            remaining = info.remaining();
        }
        return hasValue ? Optional.ofNullable(value) : Optional.empty();
    }

    /** JShell's completions at {@code at} in {@code code}, for the notebook's Tab; null when there are none. */
    public io.github.spencerpark.jupyter.kernel.ReplacementOptions complete(String code, int at) {
        int[] anchor = new int[1];
        List<SourceCodeAnalysis.Suggestion> suggestions = shell.sourceCodeAnalysis().completionSuggestions(code, at, anchor);
        if (suggestions.isEmpty()) {
            return null;
        }
        List<String> options = suggestions.stream().map(SourceCodeAnalysis.Suggestion::continuation).distinct().toList();
        return new io.github.spencerpark.jupyter.kernel.ReplacementOptions(options, anchor[0], at);
    }

    private String diagnostics(Snippet s, String source, int offsetLines) {
        List<String> lines = new ArrayList<>();
        for (Diag d : shell.diagnostics(s).toList()) {
            int line = newlines(source.substring(0, (int) Math.max(0, Math.min(source.length(), d.getStartPosition()))));
            lines.add("line " + (offsetLines + line + 1) + ": " + (d.isError() ? "error: " : "warning: ")
                    + d.getMessage(Locale.ROOT));
        }
        if (lines.isEmpty()) {
            lines.add("line " + (offsetLines + 1) + ": rejected: " + firstLine(source));
        }
        return String.join("\n", lines);
    }

    private static int newlines(String s) {
        return (int) s.chars().filter(c -> c == '\n').count();
    }

    private static String describe(Exception e) {
        if (e instanceof EvalException ee) {
            return ee.getExceptionClassName() + ": " + ee.getMessage();
        }
        if (e instanceof UnresolvedReferenceException ure) {
            return "unresolved reference: " + ure.getSnippet().source();
        }
        return e.toString();
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl) + " …";
    }

    @Override
    public void close() {
        shell.close();
    }
}
