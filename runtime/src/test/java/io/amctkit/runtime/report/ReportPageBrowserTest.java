package io.amctkit.runtime.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amctkit.cli.Main;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * report.html as a reader's browser shows it: Debian's headless {@code chromium} loads the page at 1280 px (a copy with
 * a probe script appended) and the probe reports script errors, horizontal overflow, every section's and plot's
 * rendered size, and what sorting and filtering the layer table do.
 */
@Tag("real-model")
class ReportPageBrowserTest {

    /** Runs after the page's own script: opens the folded parts, measures, sorts and filters, and prints JSON. */
    private static final String PROBE = """
            <script>
            (function(){
              var out = {errors: window.__errors, sections: {}, plots: []};
              document.querySelectorAll('details').forEach(function(d){ d.open = true; });
              ['summary','model','plots','layers','resolution','notes'].forEach(function(id){
                var e = document.getElementById(id);
                out.sections[id] = e ? e.getBoundingClientRect().height : -1;
              });
              document.querySelectorAll('figure svg').forEach(function(s){
                var r = s.getBoundingClientRect(), b = s.getBBox();
                out.plots.push({label: s.getAttribute('aria-label'), width: r.width, height: r.height,
                  drawnWidth: b.width, drawnHeight: b.height, shapes: s.querySelectorAll('path,rect,line,text').length});
              });
              out.clientWidth = document.documentElement.clientWidth;
              out.scrollWidth = document.documentElement.scrollWidth;
              var table = document.getElementById('layer-table');
              var heads = table.tHead.rows[0].cells, sqnr = -1;
              for (var i = 0; i < heads.length; i++) { if (heads[i].textContent === 'weight SQNR dB') { sqnr = i; } }
              heads[sqnr].click();
              out.sortedFirst = table.tBodies[0].rows[0].cells[0].textContent;
              out.sortedFirstValue = table.tBodies[0].rows[0].cells[sqnr].textContent;
              heads[sqnr].click();
              out.descendingFirstValue = table.tBodies[0].rows[0].cells[sqnr].textContent;
              var header = heads[0].getBoundingClientRect().top;
              document.getElementById('layers').scrollTop = 400;
              out.headerStays = Math.abs(heads[0].getBoundingClientRect().top - header) < 1;
              var filter = document.getElementById('layer-filter');
              filter.value = '%s';
              filter.dispatchEvent(new Event('input'));
              out.filteredCount = document.getElementById('layer-count').textContent;
              out.visibleRows = Array.prototype.filter.call(table.tBodies[0].rows, function(r){
                return r.style.display !== 'none'; }).length;
              var all = document.getElementById('all-columns');
              var hidden = table.querySelector('th.more').getBoundingClientRect().width;
              all.click();
              out.moreColumnsHidden = hidden === 0;
              out.moreColumnsShown = table.querySelector('th.more').getBoundingClientRect().width > 0;
              var pre = document.createElement('pre');
              pre.id = 'probe';
              pre.textContent = JSON.stringify(out);
              document.body.appendChild(pre);
            })();
            </script>
            """;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"minilm, quant, 3, intermediate, 6", "fashion-cnn, compressed1, 5, conv, 3"})
    void everySectionAndPlotRendersWithoutErrorsAndThePageDoesNotScrollSideways(String model, String seed, int plots,
                                                                                 String filter, int matching) throws Exception {
        Path out = dir.resolve("report");
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(o), new PrintWriter(e), "report", "--model", "zoo:" + model, "--seed", seed,
                "--out", out.toString()), e.toString());
        String html = Files.readString(out.resolve("report.html"));
        assertFalse(Pattern.compile("(src|href)=\"(https?:)?//").matcher(html).find(), "opens offline: nothing fetched");
        assertFalse(html.contains("<link") || html.contains("<img"), "one self-contained file, vector plots");
        String probed = html.replace("<head>", "<head><script>window.__errors=[];window.addEventListener('error',"
                + "function(e){window.__errors.push(String(e.message));});</script>").replace("</body>", PROBE.formatted(filter) + "</body>");
        Path page = Files.writeString(dir.resolve("probe.html"), probed);
        JsonNode probe = new ObjectMapper().readTree(probe(page));

        assertEquals(0, probe.get("errors").size(), "script errors: " + probe.get("errors"));
        assertEquals(1280.0, probe.get("clientWidth").asDouble(), 20, "a 1280 px window");
        assertTrue(probe.get("scrollWidth").asInt() <= probe.get("clientWidth").asInt(),
                "the page scrolls sideways: " + probe.get("scrollWidth") + " > " + probe.get("clientWidth"));
        probe.get("sections").fields().forEachRemaining(s -> assertTrue(s.getValue().asDouble() > 20,
                "section " + s.getKey() + " not rendered: " + s.getValue()));
        assertEquals(plots, probe.get("plots").size(), probe.get("plots").toString());
        for (JsonNode p : probe.get("plots")) {
            assertTrue(p.get("width").asDouble() > 600 && p.get("height").asDouble() > 150, "plot shown: " + p);
            assertTrue(p.get("drawnWidth").asDouble() > 300 && p.get("shapes").asInt() > 30, "plot drawn: " + p);
        }
        double first = Double.parseDouble(probe.get("sortedFirstValue").asText());
        double highest = Double.parseDouble(probe.get("descendingFirstValue").asText());
        assertTrue(first < highest, "ascending, then descending: " + first + " " + highest);
        assertTrue(html.contains("<tr id=\"layer-" + probe.get("sortedFirst").asText() + "\" class=\"worst\">"),
                "sorting by weight SQNR puts a worst layer first: " + probe.get("sortedFirst"));
        assertTrue(probe.get("headerStays").asBoolean(), "sticky table header");
        assertEquals(String.valueOf(matching), probe.get("filteredCount").asText());
        assertEquals(matching, probe.get("visibleRows").asInt());
        assertTrue(probe.get("moreColumnsHidden").asBoolean() && probe.get("moreColumnsShown").asBoolean(),
                "'every column' shows the rest");
    }

    /** The page's DOM after Chromium ran its scripts, and the probe's JSON from it. */
    static String probe(Path page) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("amctkit-chromium");
        List<String> command = new ArrayList<>(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + profile,
                "--hide-scrollbars", "--window-size=1280,900", "--virtual-time-budget=3000", "--dump-dom",
                page.toUri().toString()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] dom = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        String text = new String(dom, StandardCharsets.UTF_8);
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        Matcher m = Pattern.compile("<pre id=\"probe\">(.*?)</pre>", Pattern.DOTALL).matcher(text);
        assertTrue(m.find(), "the probe did not run (chromium exit " + p.exitValue() + "): "
                + text.substring(0, Math.min(300, text.length())));
        return m.group(1).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    }

    private static String chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        throw new IllegalStateException("Debian's chromium is needed for this test: apt-get install chromium"
                + " (.ci/run installs it)");
    }
}
