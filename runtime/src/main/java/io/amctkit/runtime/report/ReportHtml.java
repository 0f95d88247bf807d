package io.amctkit.runtime.report;

import io.amctkit.runtime.HtmlTable;
import io.amctkit.runtime.ResolutionTable;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;

import java.util.Base64;
import java.util.List;

/**
 * {@code report.html}: one self-contained page (no scripts, no network: plots are embedded PNGs) with the summary, the
 * plots, the per-layer session table, the resolution table and every layer's notes.
 */
public final class ReportHtml {

    private ReportHtml() {
    }

    public static String page(String title, SessionResult result, List<ReportPlots.Plot> plots) {
        return page(title, result, plots, java.util.Optional.empty());
    }

    /** The page, starting with the model-level evaluation when there is one. */
    public static String page(String title, SessionResult result, List<ReportPlots.Plot> plots,
                              java.util.Optional<io.amctkit.runtime.evaluation.Evaluation> evaluation) {
        return page(title, result, plots, evaluation, "");
    }

    /** The page with {@code lead} (HTML, e.g. a retraining's before and after) before everything else. */
    public static String page(String title, SessionResult result, List<ReportPlots.Plot> plots,
                              java.util.Optional<io.amctkit.runtime.evaluation.Evaluation> evaluation, String lead) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:12px}"
                        + "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#eee}"
                        + "td:first-child{text-align:left}img{max-width:100%}</style></head><body>\n");
        h.append("<h1>").append(escape(title)).append("</h1>\n").append(lead);
        evaluation.ifPresent(e -> h.append(ModelSection.html(e)));
        h.append("<pre id=\"summary\">").append(escape(result.summary())).append("</pre>\n");
        h.append("<h2>Plots</h2>\n");
        for (ReportPlots.Plot p : plots) {
            h.append("<figure><img alt=\"").append(escape(p.title())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(p.png())).append("\"><figcaption>").append(escape(p.title()))
                    .append("</figcaption></figure>\n");
        }
        h.append("<h2>Layers</h2>\n<div id=\"layers\">").append(HtmlTable.render(result.table())).append("</div>\n");
        h.append("<h2>Resolution (what AMCT will do)</h2>\n<div id=\"resolution\">")
                .append(HtmlTable.render(ResolutionTable.of(result.resolution()))).append("</div>\n");
        h.append("<h2>Notes</h2>\n<ul id=\"notes\">\n");
        for (LayerReport l : result.layers()) {
            for (String n : l.notes()) {
                h.append("<li><b>").append(escape(l.name())).append("</b>: ").append(escape(n)).append("</li>\n");
            }
        }
        h.append("</ul>\n</body></html>\n");
        return h.toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
