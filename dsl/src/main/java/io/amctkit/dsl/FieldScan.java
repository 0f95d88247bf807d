package io.amctkit.dsl;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Finds the first field name in reading order that its message does not have. Python's {@code text_format} (which
 * AMCT uses) stops at the first unknown field; protobuf-java notes unknown fields, goes on, and reports a later
 * syntax error instead (an unknown field followed by {@code ;}, or inside a block the file never closes). This scan
 * tells the parser which error AMCT reports. It reads tokens only; anything it does not understand ends the scan.
 */
final class FieldScan {

    /** An unknown field: where its name starts (1-based), the message type and the name. */
    record Unknown(int line, int column, Descriptor type, String name) {
    }

    private final String text;
    private int pos;
    private int line = 1;
    private int column = 1;

    private FieldScan(String text) {
        this.text = text;
    }

    static Optional<Unknown> firstUnknown(String text, Descriptor root) {
        return new FieldScan(text).scan(root);
    }

    private Optional<Unknown> scan(Descriptor root) {
        Deque<Descriptor> stack = new ArrayDeque<>();
        stack.push(root);
        while (true) {
            skipSpace();
            if (pos >= text.length()) {
                return Optional.empty();
            }
            char c = text.charAt(pos);
            if (c == '}' || c == '>') {
                if (stack.size() == 1) {
                    return Optional.empty();
                }
                stack.pop();
                advance(1);
                continue;
            }
            if (c == ';' || c == ',') {
                advance(1);
                continue;
            }
            if (!Character.isLetter(c) && c != '_') {
                return Optional.empty();
            }
            int startLine = line;
            int startColumn = column;
            String name = identifier();
            Descriptor type = stack.peek();
            FieldDescriptor field = type.findFieldByName(name);
            if (field == null) {
                return Optional.of(new Unknown(startLine, startColumn, type, name));
            }
            skipSpace();
            boolean colon = peek() == ':';
            if (colon) {
                advance(1);
                skipSpace();
            }
            char v = peek();
            if (v == '{' || v == '<') {
                if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                    return Optional.empty();
                }
                stack.push(field.getMessageType());
                advance(1);
            } else if (!colon || !skipValue()) {
                return Optional.empty();
            }
        }
    }

    /** A scalar value, a run of adjacent strings, or a [list]; false when it is not one. */
    private boolean skipValue() {
        char c = peek();
        if (c == '[') {
            int depth = 0;
            while (pos < text.length()) {
                char d = text.charAt(pos);
                if (d == '"' || d == '\'') {
                    skipString();
                    continue;
                }
                advance(1);
                depth += d == '[' ? 1 : d == ']' ? -1 : 0;
                if (depth == 0) {
                    return true;
                }
            }
            return false;
        }
        if (c == '"' || c == '\'') {
            while (peek() == '"' || peek() == '\'') {
                skipString();
                skipSpace();
            }
            return true;
        }
        if (c == '-' || c == '+') {
            advance(1);
            skipSpace();
        }
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || ".+-_".indexOf(text.charAt(pos)) >= 0)) {
            advance(1);
        }
        return pos > start;
    }

    private void skipString() {
        char quote = text.charAt(pos);
        advance(1);
        while (pos < text.length() && text.charAt(pos) != quote && text.charAt(pos) != '\n') {
            advance(text.charAt(pos) == '\\' && pos + 1 < text.length() ? 2 : 1);
        }
        if (pos < text.length() && text.charAt(pos) == quote) {
            advance(1);
        }
    }

    private String identifier() {
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            advance(1);
        }
        return text.substring(start, pos);
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    advance(1);
                }
            } else if (Character.isWhitespace(c)) {
                advance(1);
            } else {
                return;
            }
        }
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void advance(int n) {
        for (int i = 0; i < n && pos < text.length(); i++) {
            if (text.charAt(pos) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
            pos++;
        }
    }
}
