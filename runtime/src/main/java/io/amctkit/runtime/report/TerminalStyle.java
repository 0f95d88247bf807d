package io.amctkit.runtime.report;

import java.util.Map;

/**
 * How text is drawn for a reader: the width to fit, and whether ANSI colour and Unicode symbols may be used (only on a
 * terminal; {@code NO_COLOR} and {@code TERM=dumb} turn colour off; piped output is plain ASCII).
 *
 * @param width   the widest line, in characters
 * @param colour  ANSI bold and red
 * @param unicode → … ─ instead of -> ... -
 */
public record TerminalStyle(int width, boolean colour, boolean unicode) {

    /** Plain ASCII, no colour: for files, pipes and tests. */
    public static TerminalStyle plain(int width) {
        return new TerminalStyle(width, false, false);
    }

    /**
     * The style for this process's standard output: {@code onTerminal} is whether it is a terminal
     * ({@code System.console() != null}); the width is {@code $COLUMNS} when set (60 to 200), else 120.
     */
    public static TerminalStyle detect(Map<String, String> env, boolean onTerminal) {
        int width = 120;
        try {
            width = Math.max(60, Math.min(200, Integer.parseInt(env.getOrDefault("COLUMNS", "120").strip())));
        } catch (NumberFormatException e) {
            // not a number: keep the default
        }
        boolean colour = onTerminal && env.getOrDefault("NO_COLOR", "").isEmpty() && !"dumb".equals(env.get("TERM"));
        String locale = env.getOrDefault("LC_ALL", env.getOrDefault("LC_CTYPE", env.getOrDefault("LANG", "")));
        boolean unicode = onTerminal && !"dumb".equals(env.get("TERM")) && locale.toUpperCase(java.util.Locale.ROOT).contains("UTF");
        return new TerminalStyle(width, colour, unicode);
    }

    /** The style of this process's standard output. */
    public static TerminalStyle ofStdout() {
        return detect(System.getenv(), System.console() != null);
    }

    public String arrow() {
        return unicode ? " → " : " -> ";
    }

    public String ellipsis() {
        return unicode ? "…" : "...";
    }

    public String rule(int length) {
        return (unicode ? "─" : "-").repeat(length);
    }

    public String bold(String s) {
        return colour ? "\u001b[1m" + s + "\u001b[0m" : s;
    }

    public String red(String s) {
        return colour ? "\u001b[1;31m" + s + "\u001b[0m" : s;
    }

    /**
     * {@code text} with every line longer than the width wrapped at spaces, continuation lines indented by two; a word
     * longer than a line stays whole.
     */
    public String fit(String text) {
        StringBuilder out = new StringBuilder();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            while (visible(line) > width) {
                int cut = line.lastIndexOf(' ', width);
                if (cut <= 2) {
                    cut = line.indexOf(' ', width);
                    if (cut < 0) {
                        break;
                    }
                }
                out.append(line, 0, cut).append('\n');
                line = "  " + line.substring(cut + 1);
            }
            out.append(line);
            if (i + 1 < lines.length) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    /** Characters a terminal shows: ANSI escapes take none. */
    static int visible(String line) {
        return line.replaceAll("\u001b\\[[0-9;]*m", "").length();
    }
}
