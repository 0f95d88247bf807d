package io.amctkit.runtime.report;

import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.evaluation.ModelComparison;
import io.amctkit.runtime.evaluation.OutputMetrics;

import java.util.Locale;

/** The first section of report.html: what the config does to the model's outputs (and accuracy), per output. */
public final class ModelSection {

    private ModelSection() {
    }

    /** The section as HTML (also a notebook's display of an {@link Evaluation}). */
    public static String html(Evaluation e) {
        StringBuilder h = new StringBuilder("<h2>Model outputs</h2>\n<div id=\"model\">\n<p>");
        h.append(ReportHtml.escape("Measured on " + e.samples() + " evaluation samples (not the calibration samples),"
                + " each model run in ONNX Runtime on the same inputs.")).append("</p>\n<ul>\n");
        e.lines().forEach(l -> h.append("<li>").append(ReportHtml.escape(l)).append("</li>\n"));
        h.append("</ul>\n<table><tr><th>model</th><th>output</th><th>SQNR dB</th><th>cosine mean</th><th>cosine min</th>"
                + "<th>max abs err</th><th>top-1 agreement</th></tr>\n");
        e.fakeQuant().ifPresent(c -> rows(h, c));
        e.pruned().ifPresent(c -> rows(h, c));
        return h.append("</table>\n</div>\n").toString();
    }

    private static void rows(StringBuilder h, ModelComparison c) {
        for (OutputMetrics m : c.outputs()) {
            h.append("<tr><td>").append(ReportHtml.escape(c.variant())).append("</td><td>").append(ReportHtml.escape(m.name()))
                    .append("</td><td>").append(fmt("%.2f", m.sqnrDb())).append("</td><td>").append(fmt("%.4f", m.cosineMean()))
                    .append("</td><td>").append(fmt("%.4f", m.cosineMin())).append("</td><td>").append(fmt("%.4g", m.maxAbsErr()))
                    .append("</td><td>").append(m.top1Agreement().isPresent() ? fmt("%.1f%%", 100 * m.top1Agreement().getAsDouble()) : "")
                    .append("</td></tr>\n");
        }
    }

    private static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }
}
