package io.amctkit.runtime.report;

import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.evaluation.ModelComparison;
import io.amctkit.runtime.evaluation.OutputMetrics;
import io.amctkit.runtime.retrain.RetrainResult;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The first section of a retraining's report.html: the model-level metrics before (calibrated only) and after
 * retraining side by side, the loss curves, and what was done to each layer.
 */
public final class RetrainSection {

    private RetrainSection() {
    }

    /** The section as HTML (also a notebook's display of a retraining). */
    public static String html(Optional<Evaluation> before, Optional<Evaluation> after, RetrainResult result) {
        return html(before, after, result, true);
    }

    /**
     * The section with its loss plot as SVG ({@code vector}, for report.html) or as a small PNG (for a notebook, where
     * hundreds of line segments would make the saved notebook heavy).
     */
    public static String html(Optional<Evaluation> before, Optional<Evaluation> after, RetrainResult result, boolean vector) {
        StringBuilder h = new StringBuilder("<h2>Retraining</h2>\n<div id=\"retraining\">\n<p>")
                .append(ReportHtml.escape(result.summary().strip())).append("</p>\n");
        if (before.isPresent() && after.isPresent()) {
            h.append("<p>").append(ReportHtml.escape("Measured on " + after.get().samples()
                    + " evaluation samples, never the ones retrained on; both against the original float model.")).append("</p>\n");
            h.append("<table id=\"before-after\"><tr><th>model</th><th>output</th><th>SQNR dB before</th><th>SQNR dB after</th>"
                    + "<th>cosine before</th><th>cosine after</th><th>top-1 agreement before</th><th>top-1 agreement after</th></tr>\n");
            rows(h, before.get().fakeQuant(), after.get().fakeQuant());
            rows(h, before.get().pruned(), after.get().pruned());
            h.append("</table>\n");
            if (before.get().accuracy().isPresent() && after.get().accuracy().isPresent()) {
                h.append("<ul><li>before: ").append(ReportHtml.escape(before.get().accuracy().get().line())).append("</li><li>after: ")
                        .append(ReportHtml.escape(after.get().accuracy().get().line())).append("</li></ul>\n");
            }
        }
        ReportPlots.retrainLoss(result).ifPresent(p -> h.append(vector ? ReportHtml.figure(p) : "<figure><img alt=\""
                + ReportHtml.escape(p.title()) + "\" width=\"" + p.width() + "\" src=\"data:image/png;base64,"
                + java.util.Base64.getEncoder().encodeToString(p.png(1)) + "\"></figure>\n"));
        h.append("<div id=\"retrained-layers\">").append(io.amctkit.runtime.HtmlTable.render(result.table())).append("</div>\n");
        return h.append("</div>\n").toString();
    }

    private static void rows(StringBuilder h, Optional<ModelComparison> before, Optional<ModelComparison> after) {
        if (before.isEmpty() || after.isEmpty()) {
            return;
        }
        List<OutputMetrics> b = before.get().outputs();
        List<OutputMetrics> a = after.get().outputs();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            h.append("<tr><td>").append(ReportHtml.escape(after.get().variant())).append("</td><td>").append(ReportHtml.escape(a.get(i).name()))
                    .append("</td><td>").append(fmt("%.2f", b.get(i).sqnrDb())).append("</td><td>").append(fmt("%.2f", a.get(i).sqnrDb()))
                    .append("</td><td>").append(fmt("%.4f", b.get(i).cosineMean())).append("</td><td>").append(fmt("%.4f", a.get(i).cosineMean()))
                    .append("</td><td>").append(pct(b.get(i))).append("</td><td>").append(pct(a.get(i))).append("</td></tr>\n");
        }
    }

    private static String pct(OutputMetrics m) {
        return m.top1Agreement().isPresent() ? fmt("%.1f%%", 100 * m.top1Agreement().getAsDouble()) : "";
    }

    private static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }
}
