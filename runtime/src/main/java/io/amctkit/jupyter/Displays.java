package io.amctkit.jupyter;

import io.amctkit.dsl.Diagnostic;
import io.amctkit.dsl.Diagnostics;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.runtime.HtmlTable;
import io.amctkit.runtime.ResolutionTable;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.ModelTable;
import io.amctkit.runtime.report.ReportPlots;
import io.amctkit.runtime.session.SessionResult;
import io.github.spencerpark.jupyter.kernel.display.Renderer;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import tech.tablesaw.api.Table;

import java.util.Base64;

/**
 * How amctkit's values look in a notebook, registered on basekernel's {@link Renderer} (so they display the same under
 * IJava): configs as highlighted .cfg text, diagnostics as a positioned list, Tablesaw tables as HTML (the first
 * {@value #PAGE} rows of a large one), resolutions and sessions as tables with their summary, plots as PNG.
 */
public final class Displays {

    /** Rows shown of a large table. */
    static final int PAGE = 100;

    private Displays() {
    }

    public static void register(Renderer renderer) {
        renderer.createRegistration(RetrainConfig.class).preferring(MIMEType.TEXT_HTML).supporting(MIMEType.TEXT_PLAIN)
                .register((config, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, config::toString);
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> cfgHtml(config.toString()));
                });
        renderer.createRegistration(Diagnostics.class).preferring(MIMEType.TEXT_HTML).supporting(MIMEType.TEXT_PLAIN)
                .register((diagnostics, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, diagnostics::toString);
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> diagnosticsHtml(diagnostics));
                });
        renderer.createRegistration(Table.class).preferring(MIMEType.TEXT_HTML).supporting(MIMEType.TEXT_PLAIN)
                .register((table, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> table.rowCount() > PAGE ? table.first(PAGE).print() : table.print());
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> tableHtml(table));
                });
        renderer.createRegistration(Resolution.class).preferring(MIMEType.TEXT_HTML).supporting(MIMEType.TEXT_PLAIN)
                .register((resolution, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, resolution::toString);
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> "<pre>" + escape(resolution.toString()) + "</pre>"
                            + tableHtml(ResolutionTable.of(resolution)));
                });
        renderer.createRegistration(SessionResult.class).preferring(MIMEType.TEXT_HTML).supporting(MIMEType.TEXT_PLAIN)
                .register((result, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> io.amctkit.runtime.report.TerminalTable.render(result,
                            io.amctkit.runtime.report.TerminalStyle.plain(120)) + result.summary());
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> tableHtml(
                            io.amctkit.runtime.report.TerminalTable.table(result)) + "<pre>" + escape(result.summary()) + "</pre>"
                            + "<p><i>every column: <code>result.table()</code></i></p>");
                });
        renderer.createRegistration(io.amctkit.runtime.evaluation.Evaluation.class).preferring(MIMEType.TEXT_HTML).supporting(MIMEType.TEXT_PLAIN)
                .register((evaluation, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> String.join("\n", evaluation.lines()));
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> io.amctkit.runtime.report.ModelSection.html(evaluation));
                });
        renderer.createRegistration(io.amctkit.runtime.retrain.RetrainResult.class).preferring(MIMEType.TEXT_HTML).supporting(MIMEType.TEXT_PLAIN)
                .register((retrained, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, retrained::summary);
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> io.amctkit.runtime.report.RetrainSection.html(
                            java.util.Optional.empty(), java.util.Optional.empty(), retrained, false));
                });
        renderer.createRegistration(Model.class).preferring(MIMEType.TEXT_HTML).supporting(MIMEType.TEXT_PLAIN)
                .register((model, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> ModelTable.summary(model));
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> tableHtml(ModelTable.of(model)) + "<pre>"
                            + escape(ModelTable.summary(model)) + "</pre>");
                });
        renderer.createRegistration(ReportPlots.Plot.class).preferring(MIMEType.IMAGE_PNG).supporting(MIMEType.TEXT_PLAIN)
                .register((plot, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, plot::title);
                    context.renderIfRequested(MIMEType.IMAGE_PNG, () -> Base64.getEncoder().encodeToString(plot.png(1)));
                });
    }

    static String tableHtml(Table table) {
        if (table.rowCount() <= PAGE) {
            return HtmlTable.render(table);
        }
        return HtmlTable.render(table.first(PAGE)) + "<p><i>first " + PAGE + " of " + table.rowCount() + " rows</i></p>";
    }

    /** .cfg text with comments, field names and values coloured. */
    static String cfgHtml(String cfg) {
        StringBuilder html = new StringBuilder("<pre style=\"line-height:1.3\">");
        for (String line : cfg.split("\n", -1)) {
            String e = escape(line);
            if (line.strip().startsWith("#")) {
                html.append("<span style=\"color:#6a737d\">").append(e).append("</span>");
            } else {
                html.append(e.replaceFirst("^(\\s*)([A-Za-z_][A-Za-z0-9_]*)", "$1<span style=\"color:#005cc5\">$2</span>")
                        .replaceAll("(&quot;[^&]*&quot;)", "<span style=\"color:#22863a\">$1</span>"));
            }
            html.append('\n');
        }
        return html.append("</pre>").toString();
    }

    static String diagnosticsHtml(Diagnostics diagnostics) {
        if (diagnostics.items().isEmpty()) {
            return "<p>ok: no diagnostics</p>";
        }
        StringBuilder html = new StringBuilder("<ul>");
        for (Diagnostic d : diagnostics.items()) {
            html.append("<li><code>").append(escape(d.format(""))).append("</code></li>");
        }
        return html.append("</ul>").toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
