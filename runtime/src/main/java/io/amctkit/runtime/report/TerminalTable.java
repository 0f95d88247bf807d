package io.amctkit.runtime.report;

import io.amctkit.dsl.resolve.LayerPlan;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;

import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The compact per-layer table a terminal shows: layer (shortened from the middle when long), type, what is done to it,
 * weight and activation SQNR, sparsity and weight size before → after, in model order, within a width. The three
 * layers with the lowest SQNR, weight or activation, are marked: that SQNR in red on a colour terminal, a trailing
 * {@code <} otherwise.
 */
public final class TerminalTable {

    private static final String[] HEADERS = {"layer", "type", "done", "weight SQNR", "act SQNR", "sparsity", "weights"};
    private static final int DONE_MAX = 34;

    private TerminalTable() {
    }

    /** The same columns as a Tablesaw table (for notebooks), full names, Unicode arrows. */
    public static Table table(SessionResult result) {
        List<String[]> rows = rows(result, new TerminalStyle(Integer.MAX_VALUE, false, true));
        Table table = Table.create(result.model().getFileName() + " (" + result.resolution().mode().label() + ")");
        for (int c = 0; c < HEADERS.length; c++) {
            StringColumn column = StringColumn.create(HEADERS[c]);
            for (String[] row : rows) {
                column.append(row[c]);
            }
            table.addColumns(column);
        }
        return table;
    }

    private static List<String[]> rows(SessionResult result, TerminalStyle style) {
        List<String[]> rows = new ArrayList<>();
        for (LayerReport l : result.layers()) {
            rows.add(new String[]{l.name(), l.type(), done(result, l), l.error().map(e -> dB(e.sqnrDb())).orElse("-"),
                    result.activation(l.name()).map(a -> dB(a.sqnrDb())).orElse("-"),
                    l.pruneKind().isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * l.realisedSparsity()),
                    size(l.bitsBefore() / 8) + style.arrow() + size((l.bitsAfter() + 7) / 8)});
        }
        return rows;
    }

    /** The table, each line at most {@code style.width()} characters. */
    public static String render(SessionResult result, TerminalStyle style) {
        Map<String, Low> worst = worst(result, 3);
        List<String[]> rows = rows(result, style);
        int[] widths = new int[HEADERS.length];
        for (int c = 0; c < HEADERS.length; c++) {
            widths[c] = HEADERS[c].length();
            for (String[] row : rows) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        widths[2] = Math.min(widths[2], DONE_MAX);
        int others = 0;
        for (int c = 1; c < widths.length; c++) {
            others += widths[c] + 2;
        }
        int marker = 2;
        widths[0] = Math.max(12, Math.min(widths[0], style.width() - others - marker));
        int over = widths[0] + others + marker - style.width();
        if (over > 0) {
            widths[2] = Math.max(8, widths[2] - over);
        }
        StringBuilder out = new StringBuilder();
        String header = line(HEADERS, widths, -1, style);
        out.append(style.bold(header)).append('\n');
        out.append(style.rule(header.length())).append('\n');
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r).clone();
            row[0] = shorten(row[0], widths[0], style);
            row[2] = row[2].length() <= widths[2] ? row[2] : row[2].substring(0, widths[2] - style.ellipsis().length()) + style.ellipsis();
            Low low = worst.get(result.layers().get(r).name());
            out.append(line(row, widths, low == null ? -1 : low.activation() ? 4 : 3, style)).append('\n');
        }
        return out.toString();
    }

    /**
     * Text left-aligned, numbers right-aligned; {@code worstCell} (the lower SQNR of a worst layer, or -1) in red, or
     * the line followed by " <" in plain text.
     */
    private static String line(String[] cells, int[] widths, int worstCell, TerminalStyle style) {
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            String pad = " ".repeat(Math.max(0, widths[c] - cells[c].length()));
            String cell = c == worstCell ? style.red(cells[c]) : cells[c];
            s.append(c >= 3 ? pad + cell : cell + pad).append(c + 1 < cells.length ? "  " : "");
        }
        if (worstCell >= 0 && !style.colour()) {
            s.append(" <");
        }
        return s.toString().stripTrailing();
    }

    /** A layer among the worst: its lower SQNR, and whether that is the activation's (else the weight's). */
    record Low(String layer, double db, boolean activation) {
    }

    /** The {@code n} layers with the lowest SQNR (weight or activation), lowest first, by layer name. */
    static Map<String, Low> worst(SessionResult result, int n) {
        List<Low> lows = new ArrayList<>();
        for (LayerReport l : result.layers()) {
            double w = l.error().map(e -> e.sqnrDb()).orElse(Double.POSITIVE_INFINITY);
            double a = result.activation(l.name()).map(x -> x.sqnrDb()).orElse(Double.POSITIVE_INFINITY);
            if (Double.isFinite(Math.min(w, a))) {
                lows.add(new Low(l.name(), Math.min(w, a), a < w));
            }
        }
        Map<String, Low> out = new LinkedHashMap<>();
        lows.stream().sorted(Comparator.comparingDouble(Low::db)).limit(n).forEach(x -> out.put(x.layer(), x));
        return out;
    }

    /** What the config does to the layer, e.g. "W8A8 arq tensor", "2:4 + W4A8 ulq channel", "filters 24/32". */
    static String done(SessionResult result, LayerReport l) {
        List<String> parts = new ArrayList<>();
        switch (l.pruneKind()) {
            case "2:4" -> parts.add("2:4");
            case "filter" -> parts.add("filters " + l.keptFilters().orElse(l.filters()) + "/" + l.filters());
            default -> { }
        }
        if (l.quantized()) {
            int act = result.resolution().plan(l.name()).flatMap(LayerPlan::quant).map(QuantPlan::activationBits).orElse(0);
            parts.add("W" + l.weightBits() + (act > 0 ? "A" + act : "") + " " + l.weightAlgo()
                    + (l.channelWise() ? " channel" : " tensor"));
        }
        return parts.isEmpty() ? "float" : String.join(" + ", parts);
    }

    /** A name cut in its middle to {@code width}: the start and the end of a layer path are the telling parts. */
    static String shorten(String s, int width, TerminalStyle style) {
        if (s.length() <= width) {
            return s;
        }
        String dots = style.ellipsis();
        int keep = width - dots.length();
        int head = (keep + 1) / 2;
        return s.substring(0, head) + dots + s.substring(s.length() - (keep - head));
    }

    private static String dB(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f dB", v) : "inf";
    }

    /** Bytes as B/K/M/G with two or three significant digits. */
    static String size(long bytes) {
        String[] units = {"B", "K", "M", "G"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, u == 0 || v >= 10 ? "%.0f" : "%.1f", v) + units[u];
    }
}
