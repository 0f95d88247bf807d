package io.amctkit.runtime.report;

import io.amctkit.dsl.Mode;
import io.amctkit.kernels.Backends;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.fixtures.FashionMnist;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.session.SeedsForModel;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compact table under each style: narrow widths, colour, Unicode, and when colour is allowed at all. */
class TerminalTableTest {

    static SessionResult result;

    @BeforeAll
    static void session() throws Exception {
        var k = Backends.select().kernels(1);
        try (Model m = Models.open(FashionMnist.model())) {
            SessionResult s = Session.of(m, SeedsForModel.of(m).configs().get("compressed1"), Mode.COMPRESSED).run(k, Session.Progress.NONE);
            result = Calibration.calibrate(m, s, Optional.empty(), 4, 1, k);
        }
    }

    @Test
    void aNarrowTerminalGetsLayerNamesCutInTheMiddle() {
        String table = TerminalTable.render(result, TerminalStyle.plain(80));
        table.lines().forEach(l -> assertTrue(l.length() <= 80, l));
        assertEquals("encoder.layer....ion.self.query", TerminalTable.shorten("encoder.layer.0.attention.self.query", 31,
                TerminalStyle.plain(80)));
        assertEquals("encoder.layer.…ion.self.query", TerminalTable.shorten("encoder.layer.0.attention.self.query", 29,
                new TerminalStyle(80, false, true)));
    }

    @Test
    void colourMarksTheLowestSqnrInRedAndUnicodeDrawsArrows() {
        String table = TerminalTable.render(result, new TerminalStyle(120, true, true));
        assertTrue(table.contains("\u001b[1m"), "bold header");
        assertEquals(3, table.lines().filter(l -> l.contains("\u001b[1;31m")).count(), "three worst layers in red");
        assertTrue(table.contains(" → ") && table.contains("─"), table);
        assertFalse(table.contains(" <"), "no ASCII marker when coloured");
        table.lines().forEach(l -> assertTrue(TerminalStyle.visible(l) <= 120, l));
    }

    @Test
    void colourAndUnicodeOnlyOnATerminalAndNeverUnderNoColor() {
        Map<String, String> utf8 = Map.of("LANG", "en_US.UTF-8", "TERM", "xterm-256color");
        assertEquals(new TerminalStyle(120, true, true), TerminalStyle.detect(utf8, true));
        assertEquals(new TerminalStyle(120, false, false), TerminalStyle.detect(utf8, false), "piped: plain ASCII");
        assertFalse(TerminalStyle.detect(Map.of("LANG", "C.UTF-8", "NO_COLOR", "1"), true).colour(), "NO_COLOR");
        assertFalse(TerminalStyle.detect(Map.of("LANG", "C.UTF-8", "TERM", "dumb"), true).colour(), "TERM=dumb");
        assertFalse(TerminalStyle.detect(Map.of("LANG", "C"), true).unicode(), "not a UTF-8 locale");
        assertEquals(100, TerminalStyle.detect(Map.of("COLUMNS", "100"), false).width());
        assertEquals(120, TerminalStyle.detect(Map.of("COLUMNS", "wide"), false).width());
    }

    @Test
    void longLinesWrapAtSpacesWithAHangingIndent() {
        String text = "lowest weight SQNR: " + "encoder.layer.0.output.dense 8.06 dB, ".repeat(4) + "end";
        String fitted = TerminalStyle.plain(60).fit(text + "\nshort");
        fitted.lines().forEach(l -> assertTrue(l.length() <= 60, l));
        assertTrue(fitted.lines().skip(1).limit(3).allMatch(l -> l.startsWith("  ")), fitted);
        assertTrue(fitted.endsWith("\nshort"));
        assertEquals(text.replace(" ", ""), fitted.replace("\nshort", "").replace("\n", "").replace(" ", ""), "nothing lost");
    }
}
