package io.amctkit.dsl;

import java.util.Objects;

/**
 * A place in a {@code .cfg} source: the source name (usually a file path) and a 1-based line and column.
 * Prints as {@code file:line:col}, the form editors and compilers use.
 */
public record SourcePosition(String source, int line, int column) {

    public SourcePosition {
        Objects.requireNonNull(source, "source");
        if (line < 1 || column < 1) {
            throw new IllegalArgumentException("line and column are 1-based; got " + line + ":" + column);
        }
    }

    /** The position of byte or character {@code offset} in {@code text} (lines split at '\n'). */
    public static SourcePosition ofOffset(String source, CharSequence text, int offset) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new SourcePosition(source, line, column);
    }

    @Override
    public String toString() {
        return source + ":" + line + ":" + column;
    }
}
