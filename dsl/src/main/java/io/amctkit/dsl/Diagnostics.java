package io.amctkit.dsl;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The findings of one validation, in source order: a value with a human view ({@link #toString()}), and the
 * verdict {@link #hasErrors()}.
 */
public record Diagnostics(String source, List<Diagnostic> items) {

    private static final Comparator<Diagnostic> SOURCE_ORDER = Comparator
            .comparingInt((Diagnostic d) -> d.position().map(SourcePosition::line).orElse(Integer.MAX_VALUE))
            .thenComparingInt(d -> d.position().map(SourcePosition::column).orElse(Integer.MAX_VALUE));

    public Diagnostics {
        items = items.stream().sorted(SOURCE_ORDER).collect(Collectors.toUnmodifiableList());
        source = source == null ? "" : source;
    }

    public boolean hasErrors() {
        return items.stream().anyMatch(Diagnostic::isError);
    }

    public List<Diagnostic> errors() {
        return items.stream().filter(Diagnostic::isError).toList();
    }

    public List<Diagnostic> warnings() {
        return items.stream().filter(d -> d.severity() == Severity.WARNING).toList();
    }

    /** Whether some finding carries {@code code}. */
    public boolean has(String code) {
        return items.stream().anyMatch(d -> d.code().equals(code));
    }

    /** One line per finding, {@code file:line:col: severity: message}, or "ok" when there is none. */
    @Override
    public String toString() {
        if (items.isEmpty()) {
            return (source.isEmpty() ? "" : source + ": ") + "ok";
        }
        return items.stream().map(d -> d.format(source)).collect(Collectors.joining("\n"));
    }
}
