package io.amctkit.dsl;

import java.util.Objects;
import java.util.Optional;

/**
 * One finding about a config: its severity, a stable code (for tests, filters and docs), a message that says what
 * is wrong and what to do, the field path it concerns (for example
 * {@code prune_config.filter_pruner.balanced_l2_norm_filter_prune.prune_ratio}; empty for the whole file) and,
 * when the config came from text, its source position.
 */
public record Diagnostic(Severity severity, String code, String message, String fieldPath,
                         Optional<SourcePosition> position) {

    public Diagnostic {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(fieldPath, "fieldPath");
        Objects.requireNonNull(position, "position");
    }

    public static Diagnostic error(String code, String fieldPath, String message) {
        return new Diagnostic(Severity.ERROR, code, message, fieldPath, Optional.empty());
    }

    public static Diagnostic warning(String code, String fieldPath, String message) {
        return new Diagnostic(Severity.WARNING, code, message, fieldPath, Optional.empty());
    }

    /** This diagnostic placed at {@code where}. */
    public Diagnostic at(SourcePosition where) {
        return new Diagnostic(severity, code, message, fieldPath, Optional.ofNullable(where));
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /**
     * The one-line form {@code file:line:col: severity: field.path: message [CODE]}; without a position the
     * {@code fallbackSource} (for example the file name) stands first.
     */
    public String format(String fallbackSource) {
        StringBuilder out = new StringBuilder();
        if (position.isPresent()) {
            out.append(position.get()).append(": ");
        } else if (fallbackSource != null && !fallbackSource.isEmpty()) {
            out.append(fallbackSource).append(": ");
        }
        out.append(severity.label()).append(": ");
        if (!fieldPath.isEmpty()) {
            out.append(fieldPath).append(": ");
        }
        return out.append(message).append(" [").append(code).append(']').toString();
    }

    @Override
    public String toString() {
        return format("");
    }
}
