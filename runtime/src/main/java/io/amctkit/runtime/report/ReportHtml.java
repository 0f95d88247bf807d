package io.amctkit.runtime.report;

import io.amctkit.runtime.HtmlTable;
import io.amctkit.runtime.ResolutionTable;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.evaluation.OutputMetrics;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code report.html}: one self-contained page that opens offline (inline CSS, SVG plots and a small inline script; no
 * network): the summary first (model-level numbers, compression, what to look at first), the plots, a sortable and
 * filterable per-layer table with sticky headers, the resolution, and every layer's notes folded.
 */
public final class ReportHtml {

    private static final String STYLE = """
            :root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--head:#f6f8fa;--worst:#c8372d;--accent:#3b6ea8}
            *{box-sizing:border-box}
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);
              margin:0 auto;padding:1.2em 1.5em 3em;max-width:1280px}
            h1{font-size:1.45em;margin:.2em 0 .6em;overflow-wrap:anywhere}
            h2{font-size:1.15em;margin:1.6em 0 .5em;padding-bottom:.25em;border-bottom:1px solid var(--line)}
            nav{position:sticky;top:0;z-index:3;background:#fff;padding:.4em 0;border-bottom:1px solid var(--line);
              font-size:13px}
            nav a{margin-right:1.2em;color:var(--accent);text-decoration:none}
            .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:.7em;margin:.6em 0 1em}
            .card{border:1px solid var(--line);border-radius:6px;padding:.6em .8em;background:#fff}
            .card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
            .card .v{font-size:1.35em;font-weight:600;font-variant-numeric:tabular-nums}
            .card .s{color:var(--muted);font-size:12px;overflow-wrap:anywhere}
            .look{border-left:4px solid var(--worst);background:#fdf3f2;padding:.5em 1em;margin:.8em 0}
            .look li{margin:.15em 0}
            a.layer{color:inherit}
            figure{margin:1em 0;max-width:960px}
            figure svg{display:block;width:100%;height:auto;border:1px solid var(--line);border-radius:4px}
            figcaption{color:var(--muted);font-size:12px;margin-top:.3em}
            .tools{display:flex;gap:1.2em;align-items:center;margin:.4em 0;font-size:13px;flex-wrap:wrap}
            .tools input[type=search]{padding:.25em .5em;width:22em;max-width:100%;border:1px solid var(--line);border-radius:4px}
            .scroll{max-height:78vh;overflow:auto;border:1px solid var(--line);border-radius:4px}
            table{border-collapse:collapse;font-size:12.5px;font-variant-numeric:tabular-nums}
            td,th{border-bottom:1px solid #eaeef2;padding:3px 8px;text-align:right;white-space:nowrap}
            th{position:sticky;top:0;background:var(--head);z-index:1;border-bottom:1px solid var(--line);font-weight:600}
            td.t,th.t{text-align:left}
            table.sortable th{cursor:pointer;user-select:none}
            table.sortable th[aria-sort=ascending]::after{content:" \\25B2";font-size:9px}
            table.sortable th[aria-sort=descending]::after{content:" \\25BC";font-size:9px}
            tr.worst td{background:#fdf3f2}
            tr.worst td.bad{color:var(--worst);font-weight:600}
            tbody tr:hover td{background:#f3f6fa}
            .more{display:none}
            table.all .more{display:table-cell}
            details{margin:.25em 0}
            details summary{cursor:pointer}
            #notes ul{margin:.2em 0 .6em}
            pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--head);padding:.6em .8em;border-radius:4px;
              font-size:12.5px}
            #model table,#before-after,#retrained-layers table{margin:.4em 0}
            #model table td:first-child,#model table td:nth-child(2){text-align:left}
            .note{color:var(--muted);font-size:12px}
            """;

    /** Sorting by a header click (numbers by value, blanks last) and filtering rows by text; nothing else. */
    private static final String SCRIPT = """
            (function(){
              document.querySelectorAll('table.sortable').forEach(function(table){
                var heads = table.tHead.rows[0].cells;
                Array.prototype.forEach.call(heads, function(th, col){
                  th.addEventListener('click', function(){
                    var asc = th.getAttribute('aria-sort') !== 'ascending';
                    Array.prototype.forEach.call(heads, function(h){ h.removeAttribute('aria-sort'); });
                    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
                    var body = table.tBodies[0];
                    var rows = Array.prototype.slice.call(body.rows);
                    function key(r){ var c = r.cells[col]; var v = c.getAttribute('data-v');
                      return v === null ? c.textContent : v === '' ? null : parseFloat(v); }
                    rows.sort(function(a, b){
                      var x = key(a), y = key(b);
                      if (x === null || y === null) { return x === y ? 0 : x === null ? 1 : -1; }
                      var d = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
                      return asc ? d : -d;
                    });
                    rows.forEach(function(r){ body.appendChild(r); });
                  });
                });
              });
              var filter = document.getElementById('layer-filter');
              if (filter) {
                filter.addEventListener('input', function(){
                  var q = filter.value.toLowerCase();
                  var shown = 0;
                  Array.prototype.forEach.call(document.querySelectorAll('#layer-table tbody tr'), function(r){
                    var hit = r.textContent.toLowerCase().indexOf(q) >= 0;
                    r.style.display = hit ? '' : 'none';
                    shown += hit ? 1 : 0;
                  });
                  document.getElementById('layer-count').textContent = shown;
                });
              }
              var all = document.getElementById('all-columns');
              if (all) {
                all.addEventListener('change', function(){
                  document.getElementById('layer-table').classList.toggle('all', all.checked);
                });
              }
            })();
            """;

    private ReportHtml() {
    }

    public static String page(String title, SessionResult result, List<ReportPlots.Plot> plots) {
        return page(title, result, plots, Optional.empty());
    }

    /** The page, starting with the model-level evaluation when there is one. */
    public static String page(String title, SessionResult result, List<ReportPlots.Plot> plots, Optional<Evaluation> evaluation) {
        return page(title, result, plots, evaluation, "");
    }

    /** The page with {@code lead} (HTML, e.g. a retraining's before and after) before the model-level section. */
    public static String page(String title, SessionResult result, List<ReportPlots.Plot> plots, Optional<Evaluation> evaluation,
                              String lead) {
        return page(title, result, plots, evaluation, lead, Optional.empty());
    }

    /** The same, with {@code outputs} (which of the report's files apply to this model, and why) under the summary. */
    public static String page(String title, SessionResult result, List<ReportPlots.Plot> plots, Optional<Evaluation> evaluation,
                              String lead, Optional<String> outputs) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>").append(escape(title))
                .append("</title>\n<style>\n").append(STYLE).append("</style></head><body>\n");
        h.append("<h1>").append(escape(title)).append("</h1>\n");
        h.append("<nav><a href=\"#summary\">Summary</a>").append(lead.isEmpty() ? "" : "<a href=\"#retraining\">Retraining</a>")
                .append(evaluation.isPresent() ? "<a href=\"#model\">Model outputs</a>" : "")
                .append(plots.isEmpty() ? "" : "<a href=\"#plots\">Plots</a>")
                .append("<a href=\"#layers\">Layers</a><a href=\"#resolution\">Resolution</a><a href=\"#notes\">Notes</a></nav>\n");
        Map<String, TerminalTable.Low> worst = TerminalTable.worst(result, 3);
        summary(h, result, evaluation, worst);
        outputs.ifPresent(o -> h.append("<p class=\"note\" id=\"outputs\">").append(escape(o)).append("</p>\n"));
        h.append(lead);
        evaluation.ifPresent(e -> h.append(ModelSection.html(e)));
        if (!plots.isEmpty()) {
            h.append("<h2>Plots</h2>\n<div id=\"plots\">\n");
            for (ReportPlots.Plot p : plots) {
                h.append(figure(p));
            }
            h.append("</div>\n");
        }
        layers(h, result, worst);
        h.append("<h2>Resolution (what AMCT will do)</h2>\n<details><summary>the effective config of each layer, as AMCT"
                        + " resolves it</summary>\n<div id=\"resolution\" class=\"scroll\">")
                .append(HtmlTable.render(ResolutionTable.of(result.resolution()))).append("</div></details>\n");
        notes(h, result);
        h.append("<script>\n").append(SCRIPT).append("</script>\n</body></html>\n");
        return h.toString();
    }

    /** A plot as an inline SVG figure (its title is drawn in it, and is its accessible label). */
    static String figure(ReportPlots.Plot p) {
        return "<figure>" + p.svg() + "</figure>\n";
    }

    private static void summary(StringBuilder h, SessionResult result, Optional<Evaluation> evaluation,
                                Map<String, TerminalTable.Low> worst) {
        h.append("<section id=\"summary\">\n<div class=\"cards\">\n");
        evaluation.flatMap(Evaluation::fakeQuant).ifPresent(c -> card(h, "fake-quant vs float", dB(c.main().sqnrDb())
                + " output SQNR", metrics(c.main())));
        evaluation.flatMap(Evaluation::pruned).ifPresent(c -> card(h, "pruned vs float", dB(c.main().sqnrDb())
                + " output SQNR", metrics(c.main())));
        evaluation.flatMap(Evaluation::accuracy).ifPresent(a -> card(h, "top-1 accuracy", a.fakeQuant().isPresent()
                ? pct(a.fakeQuant().getAsDouble()) + " fake-quant" : a.pruned().isPresent() ? pct(a.pruned().getAsDouble())
                + " pruned" : pct(a.floatModel()) + " float", a.line().replaceFirst("^model: top-1 accuracy ", "")));
        card(h, "weights", mb(result.bitsBefore()) + " → " + mb(result.bitsAfter()),
                String.format(Locale.ROOT, "compression %.2f× from the stored %s; %,d → %,d parameters", result.compressionRatio(),
                        String.join("/", result.storedTypes()),
                        result.paramsBefore(), result.paramsAfter()));
        long quantized = result.layers().stream().filter(LayerReport::quantized).count();
        long pruned = result.layers().stream().filter(l -> !l.pruneKind().isEmpty()).count();
        card(h, "layers", result.layers().size() + " layers", quantized + " quantized, " + pruned + " pruned ("
                + result.resolution().mode().label() + ")");
        h.append("</div>\n");
        List<String> look = new java.util.ArrayList<>();
        for (TerminalTable.Low low : worst.values()) {   // lowest first
            LayerReport l = result.layers().stream().filter(x -> x.name().equals(low.layer())).findFirst().orElseThrow();
            String what = low.activation()
                    ? "activation SQNR " + dB(low.db()) + " (clip " + result.activation(l.name()).map(Calibration.LayerActivation::clipText).orElse("") + ")"
                    : "weight SQNR " + dB(low.db()) + l.error().filter(e -> e.saturation() >= 1e-5)
                    .map(e -> String.format(Locale.ROOT, ", %.3f%% of weights saturate", 100 * e.saturation())).orElse("");
            look.add("<a class=\"layer\" href=\"#layer-" + escape(l.name()) + "\"><b>" + escape(l.name()) + "</b></a>: "
                    + escape(what));
        }
        result.filterPruning().keptWhole().forEach((layer, why) -> look.add("<b>" + escape(layer)
                + "</b> keeps all its filters: " + escape(why)));
        if (!look.isEmpty()) {
            h.append("<div class=\"look\"><b>Look at first</b> (lowest SQNR; layers the config cannot prune)<ul>\n");
            look.stream().limit(8).forEach(l -> h.append("<li>").append(l).append("</li>\n"));
            if (look.size() > 8) {
                h.append("<li>").append(look.size() - 8).append(" more in the notes</li>\n");
            }
            h.append("</ul></div>\n");
        }
        h.append("<details><summary>the whole summary, as the terminal prints it</summary><pre>")
                .append(escape(result.summary())).append("</pre></details>\n</section>\n");
    }

    private static void card(StringBuilder h, String key, String value, String sub) {
        h.append("<div class=\"card\"><div class=\"k\">").append(escape(key)).append("</div><div class=\"v\">")
                .append(escape(value)).append("</div><div class=\"s\">").append(escape(sub)).append("</div></div>\n");
    }

    private static String metrics(OutputMetrics m) {
        return String.format(Locale.ROOT, "cosine %.3f (min %.3f)", m.cosineMean(), m.cosineMin())
                + (m.top1Agreement().isPresent() ? String.format(Locale.ROOT, ", top-1 agreement %.1f%%",
                100 * m.top1Agreement().getAsDouble()) : "");
    }

    /** The per-layer table: the columns that matter, the others behind "every column". */
    private static void layers(StringBuilder h, SessionResult result, Map<String, TerminalTable.Low> worst) {
        h.append("<h2>Layers</h2>\n<div class=\"tools\"><label>filter <input type=\"search\" id=\"layer-filter\""
                + " placeholder=\"layer name, type, INT4, 2:4...\"></label><span><span id=\"layer-count\">")
                .append(result.layers().size()).append("</span> of ").append(result.layers().size())
                .append(" layers</span><label><input type=\"checkbox\" id=\"all-columns\"> every column</label>"
                        + "<span class=\"note\">click a header to sort</span></div>\n");
        h.append("<div id=\"layers\" class=\"scroll\"><table id=\"layer-table\" class=\"sortable\"><thead><tr>");
        String[][] heads = {{"layer", "t"}, {"type", "t"}, {"done", "t"}, {"weight SQNR dB", ""},
                {"act SQNR dB", ""}, {"act clip", "t"}, {"sparsity %", ""}, {"kept filters", ""}, {"size before", ""},
                {"size after", ""}, {"notes", ""}, {"saturated %", "more"}, {"bits / weight", "more"}, {"scale min", "more"}, {"scale max", "more"},
                {"weight MSE", "more"}, {"max abs err", "more"}, {"act saturated %", "more"}, {"MACs / position", "more"},
                {"MACs after", "more"}, {"deploy mismatch %", "more"}, {"fake-quant ONNX mismatch %", "more"}};
        for (String[] head : heads) {
            h.append("<th class=\"").append(head[1].equals("more") ? "more" : head[1]).append("\">").append(escape(head[0]))
                    .append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        for (LayerReport l : result.layers()) {
            TerminalTable.Low bad = worst.get(l.name());
            Optional<Calibration.LayerActivation> act = result.activation(l.name());
            h.append("<tr id=\"layer-").append(escape(l.name())).append("\"").append(bad != null ? " class=\"worst\"" : "")
                    .append(">");
            text(h, l.name(), "t");
            text(h, l.type(), "t");
            text(h, TerminalTable.done(result, l), "t");
            num(h, l.error().map(e -> e.sqnrDb()), "%.2f", bad != null && !bad.activation() ? "bad" : "");
            num(h, act.map(Calibration.LayerActivation::sqnrDb), "%.2f", bad != null && bad.activation() ? "bad" : "");
            text(h, act.map(Calibration.LayerActivation::clipText).orElse(""), "t");
            num(h, l.pruneKind().isEmpty() ? Optional.empty() : Optional.of(100 * l.realisedSparsity()), "%.1f", "");
            if (l.keptFilters().isPresent()) {
                h.append("<td data-v=\"").append(l.keptFilters().getAsInt()).append("\">").append(l.keptFilters().getAsInt())
                        .append('/').append(l.filters()).append("</td>");
            } else {
                h.append("<td data-v=\"\"></td>");
            }
            bytes(h, 4 * l.paramsBefore());
            bytes(h, (l.bitsAfter() + 7) / 8);
            h.append("<td data-v=\"").append(l.notes().size()).append("\">").append(l.notes().isEmpty() ? ""
                    : "<a href=\"#notes-" + escape(l.name()) + "\">" + l.notes().size() + "</a>").append("</td>");
            num(h, l.error().map(e -> 100 * e.saturation()), "%.3f", "more");
            num(h, Optional.of(l.effectiveBits()), "%.2f", "more");
            num(h, l.quantized() ? Optional.of(l.scaleMin()) : Optional.empty(), "%.4g", "more");
            num(h, l.quantized() ? Optional.of(l.scaleMax()) : Optional.empty(), "%.4g", "more");
            num(h, l.error().map(e -> e.mse()), "%.3e", "more");
            num(h, l.error().map(e -> e.maxAbs()), "%.4g", "more");
            num(h, act.map(a -> 100 * a.saturation()), "%.3f", "more");
            num(h, Optional.of((double) l.macsPerPosition()), "%,.0f", "more");
            num(h, Optional.of((double) l.macsPerPositionAfter()), "%,.0f", "more");
            num(h, act.map(a -> 100 * a.deployMismatch()), "%.4f", "more");
            num(h, act.map(a -> 100 * a.fakeQuantMismatch()), "%.4f", "more");
            h.append("</tr>\n");
        }
        h.append("</tbody></table></div>\n");
    }

    private static void notes(StringBuilder h, SessionResult result) {
        h.append("<h2>Notes</h2>\n<div id=\"notes\">\n");
        long with = result.layers().stream().filter(l -> !l.notes().isEmpty()).count();
        h.append("<p class=\"note\">").append(with).append(" layers have notes: AMCT's quirks and what amctkit inferred."
                + " Open a layer to read them.</p>\n");
        for (LayerReport l : result.layers()) {
            if (l.notes().isEmpty()) {
                continue;
            }
            h.append("<details id=\"notes-").append(escape(l.name())).append("\"><summary><b>").append(escape(l.name()))
                    .append("</b> (").append(l.notes().size()).append(l.notes().size() == 1 ? " note" : " notes")
                    .append(")</summary><ul>\n");
            for (String n : l.notes()) {
                h.append("<li>").append(escape(n)).append("</li>\n");
            }
            h.append("</ul></details>\n");
        }
        h.append("</div>\n");
    }

    private static void text(StringBuilder h, String s, String cls) {
        h.append("<td class=\"").append(cls).append("\">").append(escape(s)).append("</td>");
    }

    private static void num(StringBuilder h, Optional<Double> v, String format, String cls) {
        boolean shown = v.isPresent() && Double.isFinite(v.get());
        h.append("<td").append(cls.isEmpty() ? "" : " class=\"" + cls + "\"").append(" data-v=\"")
                .append(shown ? Double.toString(v.get()) : v.isPresent() && v.get() > 0 ? "1e308" : "").append("\">")
                .append(shown ? String.format(Locale.ROOT, format, v.get()) : v.isPresent() && v.get() > 0 ? "inf" : "")
                .append("</td>");
    }

    private static void bytes(StringBuilder h, long bytes) {
        h.append("<td data-v=\"").append(bytes).append("\">").append(TerminalTable.size(bytes)).append("</td>");
    }

    private static String dB(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f dB", v) : "∞ dB";
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private static String mb(long bits) {
        return String.format(Locale.ROOT, "%.2f MB", bits / 8e6);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
