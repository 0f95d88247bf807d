package io.amctkit.dsl;

import java.util.List;

/**
 * A {@code .cfg} that cannot be read: unreadable (I/O: missing file, a directory, permission) or not valid text
 * format (syntax, unknown field or enum name, bad encoding). Carries the diagnostics with their positions.
 */
public final class CfgException extends RuntimeException {

    private final List<Diagnostic> diagnostics;
    private final boolean ioError;
    private final String source;

    CfgException(List<Diagnostic> diagnostics, boolean ioError, String source) {
        super(diagnostics.isEmpty() ? source : diagnostics.get(0).format(source));
        this.diagnostics = List.copyOf(diagnostics);
        this.ioError = ioError;
        this.source = source;
    }

    /** The file (or source name) that could not be read. */
    public String source() {
        return source;
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    /** True when the file could not be read at all (exit code 2 in the CLI), false when its content is invalid. */
    public boolean isIoError() {
        return ioError;
    }
}
