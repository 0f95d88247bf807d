package io.amctkit.runtime;

import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/** Renders a Tablesaw table as a self-contained, escaped HTML {@code <table>} (no scripts, no external resources). */
public final class HtmlTable {

    private HtmlTable() {
    }

    public static String render(Table table) {
        StringBuilder out = new StringBuilder("<table class=\"amctkit\">\n");
        out.append("<caption>").append(escape(table.name())).append("</caption>\n<thead><tr>");
        for (Column<?> c : table.columns()) {
            out.append("<th>").append(escape(c.name())).append("</th>");
        }
        out.append("</tr></thead>\n<tbody>\n");
        for (int r = 0; r < table.rowCount(); r++) {
            out.append("<tr>");
            for (Column<?> c : table.columns()) {
                out.append("<td>").append(escape(c.getString(r))).append("</td>");
            }
            out.append("</tr>\n");
        }
        return out.append("</tbody>\n</table>\n").toString();
    }

    /** A whole page around one table, for {@code --format html}. */
    public static String page(String title, Table table) {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n"
                + "<style>table.amctkit{border-collapse:collapse;font:13px sans-serif}"
                + "table.amctkit td,table.amctkit th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
                + "table.amctkit th{background:#eee}</style></head><body>\n" + render(table) + "</body></html>\n";
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
