package io.amctkit.dsl;

import java.util.ArrayList;
import java.util.List;

/**
 * Formats {@code .cfg} text without losing what a person wrote: fields keep their order, full-line comments stay above
 * the field or closing brace they precede, trailing comments stay on their field's line, and one blank line is kept
 * where the source had any. Only the layout changes: 4-space indent, {@code name: value} for scalars,
 * {@code name {} } for blocks ({@code <>} and {@code name: {} } included), separators ({@code ,} {@code ;}) dropped.
 * The result parses to the same message and formatting it again changes nothing.
 */
public final class CfgFormat {

    private static final String INDENT = "    ";

    private CfgFormat() {
    }

    /**
     * The formatted text of a {@code .cfg}; it must parse (the error names {@code sourceName} otherwise). The result is
     * checked to parse to the same message as the input.
     */
    public static String keepingComments(String sourceName, String text) {
        RetrainConfig before = RetrainConfig.parse(sourceName, text);
        List<Item> items = new Parser(Lexer.tokens(text)).block(null);
        StringBuilder out = new StringBuilder();
        print(items, 0, out);
        String formatted = out.toString();
        if (!RetrainConfig.parse(sourceName, formatted).toProto().equals(before.toProto())) {
            throw new IllegalStateException(sourceName + ": formatting would change the config; please report this file");
        }
        return formatted;
    }

    private sealed interface Item permits Comment, Blank, Field {
    }

    private record Comment(String text) implements Item {
    }

    private record Blank() implements Item {
    }

    /** A scalar field ({@code value} set) or a block ({@code children} set), with the comments on its lines. */
    private record Field(String name, String value, List<Item> children, String openComment, String trailingComment)
            implements Item {
    }

    private static void print(List<Item> items, int depth, StringBuilder out) {
        String indent = INDENT.repeat(depth);
        boolean wroteSomething = false;
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            if (item instanceof Blank) {
                boolean nextIsContent = i + 1 < items.size() && !(items.get(i + 1) instanceof Blank);
                if (wroteSomething && nextIsContent) {
                    out.append('\n');
                }
                continue;
            }
            wroteSomething = true;
            if (item instanceof Comment c) {
                out.append(indent).append(c.text()).append('\n');
            } else if (item instanceof Field f) {
                out.append(indent).append(f.name());
                if (f.value() != null) {
                    out.append(": ").append(f.value());
                    trailing(f.trailingComment(), out);
                } else {
                    out.append(" {");
                    trailing(f.openComment(), out);
                    print(f.children(), depth + 1, out);
                    out.append(indent).append('}');
                    trailing(f.trailingComment(), out);
                }
            }
        }
    }

    private static void trailing(String comment, StringBuilder out) {
        if (comment != null) {
            out.append(' ').append(comment);
        }
        out.append('\n');
    }

    private enum Kind { IDENT, STRING, NUMBER, PUNCT, COMMENT }

    private record Token(Kind kind, String text, int line) {
        boolean is(String punct) {
            return kind == Kind.PUNCT && text.equals(punct);
        }
    }

    /** Protobuf text-format tokens with their line numbers; comments are tokens too. */
    private static final class Lexer {

        static List<Token> tokens(String text) {
            List<Token> out = new ArrayList<>();
            int line = 1;
            int i = 0;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (c == '\n') {
                    line++;
                    i++;
                } else if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '#') {
                    int end = text.indexOf('\n', i);
                    end = end < 0 ? text.length() : end;
                    out.add(new Token(Kind.COMMENT, text.substring(i, end).stripTrailing(), line));
                    i = end;
                } else if (c == '"' || c == '\'') {
                    int j = i + 1;
                    while (j < text.length() && text.charAt(j) != c && text.charAt(j) != '\n') {
                        j += text.charAt(j) == '\\' ? 2 : 1;
                    }
                    j = Math.min(j + 1, text.length());
                    out.add(new Token(Kind.STRING, text.substring(i, j), line));
                    i = j;
                } else if (Character.isLetter(c) || c == '_') {
                    int j = i + 1;
                    while (j < text.length() && (Character.isLetterOrDigit(text.charAt(j)) || text.charAt(j) == '_'
                            || text.charAt(j) == '.')) {
                        j++;
                    }
                    out.add(new Token(Kind.IDENT, text.substring(i, j), line));
                    i = j;
                } else if (Character.isDigit(c) || (c == '.' && i + 1 < text.length() && Character.isDigit(text.charAt(i + 1)))) {
                    int j = i + 1;
                    while (j < text.length()) {
                        char d = text.charAt(j);
                        boolean sign = (d == '+' || d == '-') && (text.charAt(j - 1) == 'e' || text.charAt(j - 1) == 'E');
                        if (!(Character.isLetterOrDigit(d) || d == '.' || d == '_' || sign)) {
                            break;
                        }
                        j++;
                    }
                    out.add(new Token(Kind.NUMBER, text.substring(i, j), line));
                    i = j;
                } else {
                    out.add(new Token(Kind.PUNCT, String.valueOf(c), line));
                    i++;
                }
            }
            return out;
        }
    }

    /** Builds the item tree; the text has already parsed as a config, so its structure is well formed. */
    private static final class Parser {
        private final List<Token> tokens;
        private int at;
        private int lastLine;

        Parser(List<Token> tokens) {
            this.tokens = tokens;
        }

        /** Items up to {@code close} (consumed) or the end. */
        List<Item> block(String close) {
            List<Item> items = new ArrayList<>();
            while (at < tokens.size()) {
                Token t = tokens.get(at);
                if (lastLine > 0 && t.line() > lastLine + 1) {
                    items.add(new Blank());
                }
                if (close != null && t.is(close)) {
                    return items;
                }
                if (t.kind() == Kind.COMMENT) {
                    items.add(new Comment(t.text()));
                    lastLine = t.line();
                    at++;
                } else if (t.is(",") || t.is(";")) {
                    at++;
                } else {
                    List<Item> moved = new ArrayList<>();
                    Field f = field(moved);
                    items.addAll(moved);
                    items.add(f);
                }
            }
            if (close != null) {
                throw new IllegalStateException("unclosed block");
            }
            return items;
        }

        /** One field; comments between its name and its value go to {@code moved}, to stand above it. */
        private Field field(List<Item> moved) {
            Token name = next();
            if (name.kind() != Kind.IDENT) {
                throw new IllegalStateException("expected a field name at line " + name.line());
            }
            skipComments(moved);
            if (peek() != null && peek().is(":")) {
                next();
            }
            skipComments(moved);
            Token first = peek();
            if (first != null && (first.is("{") || first.is("<"))) {
                next();
                String openComment = sameLineComment(first.line());
                lastLine = first.line();
                List<Item> children = block(first.is("{") ? "}" : ">");
                Token closing = next();
                lastLine = closing.line();
                return new Field(name.text(), null, children, openComment, trailingAfter(closing.line()));
            }
            StringBuilder value = new StringBuilder();
            List<String> inner = new ArrayList<>();
            int endLine;
            if (first != null && first.is("[")) {
                value.append('[');
                next();
                boolean firstElement = true;
                while (!peek().is("]")) {
                    Token t = next();
                    if (t.kind() == Kind.COMMENT) {
                        inner.add(t.text());
                    } else if (t.is(",")) {
                        value.append(", ");
                        firstElement = true;
                    } else {
                        value.append(firstElement || t.kind() != Kind.STRING ? "" : " ").append(t.text());
                        firstElement = t.is("-");
                    }
                }
                endLine = next().line();
                value.append(']');
            } else {
                Token t = next();
                value.append(t.text());
                if (t.is("-")) {
                    Token n = next();
                    value.append(n.text());
                    t = n;
                }
                while (t.kind() == Kind.STRING && peek() != null && peek().kind() == Kind.STRING) {
                    t = next();
                    value.append(' ').append(t.text());
                }
                endLine = t.line();
            }
            lastLine = endLine;
            String trailing = trailingAfter(endLine);
            if (!inner.isEmpty()) {
                trailing = String.join(" ", inner) + (trailing == null ? "" : " " + trailing);
                trailing = trailing.startsWith("#") ? trailing : "# " + trailing;
            }
            return new Field(name.text(), value.toString(), null, null, trailing);
        }

        private void skipComments(List<Item> moved) {
            while (peek() != null && peek().kind() == Kind.COMMENT) {
                moved.add(new Comment(next().text()));
            }
        }

        /** A comment on {@code line} right after the field (past an optional separator), consumed. */
        private String trailingAfter(int line) {
            if (peek() != null && (peek().is(",") || peek().is(";")) && peek().line() == line) {
                at++;
            }
            return sameLineComment(line);
        }

        private String sameLineComment(int line) {
            Token t = peek();
            if (t != null && t.kind() == Kind.COMMENT && t.line() == line) {
                at++;
                return t.text();
            }
            return null;
        }

        private Token peek() {
            return at < tokens.size() ? tokens.get(at) : null;
        }

        private Token next() {
            if (at >= tokens.size()) {
                throw new IllegalStateException("unexpected end of the text");
            }
            return tokens.get(at++);
        }
    }
}
