package io.amctkit.cli;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line as a user runs it: exit codes, stdout, stderr, and files written or not. */
class CliTest {

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(exit, out.toString(), err.toString());
    }

    static Path reference() {
        Path dir = Path.of(System.getProperty("amctkit.reference", "../../shared/reference"));
        assertTrue(Files.isDirectory(dir.resolve("cfg")), "AMCT reference data missing at " + dir.toAbsolutePath());
        return dir;
    }

    static List<Path> referenceCfgs() throws IOException {
        try (Stream<Path> files = Files.list(reference().resolve("cfg"))) {
            return files.filter(p -> p.toString().endsWith(".cfg")).sorted().toList();
        }
    }

    private static void assertNoStackTrace(Result r) {
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "stack trace leaked:\n" + r.err());
    }

    @Test
    void cfgSamplesPrintsTheFiveSeedConfigsAndTheirValidation() {
        Result r = run("cfg", "samples");
        assertEquals(0, r.exit(), r.err());
        for (String name : new String[]{"quant.cfg", "prune.cfg", "selective_prune.cfg", "compressed1.cfg", "compressed2.cfg"}) {
            assertTrue(r.out().contains(name + "  (AMCT's sample"), name);
        }
        assertTrue(r.out().contains("5 configs: 0 errors"), r.out());
        assertTrue(r.out().contains("balanced_l2_norm_filter_prune {"));
    }

    @Test
    void validateAcceptsEverySeedTemplate() throws IOException {
        List<String> seeds = referenceCfgs().stream().filter(p -> p.getFileName().toString().startsWith("seed_template_"))
                .map(Path::toString).toList();
        assertEquals(5, seeds.size());
        Result r = run(Stream.concat(Stream.of("cfg", "validate"), seeds.stream()).toArray(String[]::new));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertEquals(5, r.out().lines().filter(l -> l.contains(": ok (")).count());
    }

    @Test
    void validateRejectsAnInvalidClipWithLineAndColumn() {
        String file = reference().resolve("cfg/probe_clip_invalid_sign.cfg").toString();
        Result r = run("cfg", "validate", file);
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith(file + ":1:59: error: retrain_data_quant_config.ulq_quantize.clip_max_min.clip_max: "
                + "clip_min must be < 0 and clip_max > 0"), r.err());
    }

    @Test
    void validateHonoursAnExplicitMode() {
        String file = reference().resolve("cfg/seed_prune.cfg").toString();
        Result quant = run("cfg", "validate", "--mode", "quant", file);
        assertEquals(1, quant.exit());
        assertTrue(quant.err().contains("FEATURE-DISABLED"), quant.err());
        assertEquals(0, run("cfg", "validate", "--mode", "compressed", file).exit());
        Result typo = run("cfg", "validate", "--mode", "quantize", file);
        assertEquals(2, typo.exit());
        assertTrue(typo.err().contains("expected one of quant, prune, compressed"), typo.err());
    }

    @Test
    void emptyFileIsValidInQuantModeWithAWarning(@TempDir Path dir) throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.cfg"));
        Result r = run("cfg", "validate", empty.toString());
        assertEquals(0, r.exit());
        assertTrue(r.err().contains("warning") && r.err().contains("EMPTY-CONFIG"), r.err());
    }

    static Stream<Object[]> malformedInputs() {
        byte[] garbage = new byte[4096];
        new java.util.Random(7).nextBytes(garbage);
        return Stream.of(
                new Object[]{"binary.cfg", garbage},
                new Object[]{"unterminated.cfg", "retrain_data_quant_config {\n  ulq_quantize {\n".getBytes(StandardCharsets.UTF_8)},
                new Object[]{"nested.cfg", "prune_config {".repeat(100_000).getBytes(StandardCharsets.UTF_8)},
                new Object[]{"braces.cfg", "{".repeat(100_000).getBytes(StandardCharsets.UTF_8)},
                new Object[]{"latin1.cfg", "skip_layers: \"caf\u00e9\"".getBytes(StandardCharsets.ISO_8859_1)});
    }

    @ParameterizedTest
    @MethodSource("malformedInputs")
    void malformedInputGivesOneClearLineAndWritesNothing(String name, byte[] content, @TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve(name), content);
        Result v = run("cfg", "validate", file.toString());
        assertEquals(1, v.exit(), v.err());
        assertEquals(1, v.err().lines().count(), v.err());
        assertTrue(v.err().matches("(?s)" + java.util.regex.Pattern.quote(file.toString()) + ":\\d+:\\d+: error: .*"), v.err());
        assertNoStackTrace(v);
        Path out = dir.resolve("out.cfg");
        Result f = run("cfg", "fmt", file.toString(), "-o", out.toString());
        assertEquals(1, f.exit());
        assertFalse(Files.exists(out));
        assertNoStackTrace(f);
    }

    @Test
    void aDirectoryOrMissingFileIsAnIoError(@TempDir Path dir) {
        Result d = run("cfg", "validate", dir.toString());
        assertEquals(2, d.exit());
        assertEquals(dir + ": error: is a directory, not a .cfg file; give the path of the .cfg inside it [CFG-IO]",
                d.err().strip());
        Result m = run("cfg", "fmt", dir.resolve("missing.cfg").toString());
        assertEquals(2, m.exit());
        assertTrue(m.err().contains("no such file"), m.err());
        assertNoStackTrace(m);
    }

    @ParameterizedTest
    @MethodSource("referenceCfgs")
    void fmtOutputReparsesToTheSameMessageAndIsAFixedPoint(Path file, @TempDir Path dir) throws IOException {
        Result first = run("cfg", "fmt", file.toString());
        assertEquals(0, first.exit(), first.err());
        assertEquals(RetrainConfig.read(file).toProto(), RetrainConfig.parse(first.out()).toProto());
        Path once = Files.writeString(dir.resolve("once.cfg"), first.out());
        Result second = run("cfg", "fmt", once.toString());
        assertEquals(first.out(), second.out());
    }

    @Test
    void fmtWritesAtomicallyAndNeverReplacesUnlessAsked(@TempDir Path dir) throws IOException {
        Path src = Files.writeString(dir.resolve("a.cfg"), "batch_num: 2 skip_layers: \"fc\"");
        Path out = Files.writeString(dir.resolve("b.cfg"), "keep me");
        Result refused = run("cfg", "fmt", src.toString(), "-o", out.toString());
        assertEquals(2, refused.exit());
        assertEquals("keep me", Files.readString(out));
        assertEquals(0, run("cfg", "fmt", src.toString(), "-o", out.toString(), "--force").exit());
        assertEquals("batch_num: 2\nskip_layers: \"fc\"\n", Files.readString(out));
        assertEquals(0, run("cfg", "fmt", "--in-place", src.toString()).exit());
        assertEquals(Files.readString(out), Files.readString(src));
    }

    @Test
    void fmtInPlaceKeepsCommentsAndDropsThemOnlyWhenAsked(@TempDir Path dir) throws IOException {
        String text = "# my notes\nbatch_num:2   # two\nskip_layers: \"a#b\"\n";
        Path src = Files.writeString(dir.resolve("c.cfg"), text);
        assertEquals(0, run("cfg", "fmt", "--in-place", src.toString()).exit());
        assertEquals("# my notes\nbatch_num: 2 # two\nskip_layers: \"a#b\"\n", Files.readString(src));
        assertEquals(0, run("cfg", "fmt", "--in-place", "--drop-comments", src.toString()).exit());
        assertEquals("batch_num: 2\n\nskip_layers: \"a#b\"\n", Files.readString(src));
        assertEquals(RetrainConfig.parse(text), RetrainConfig.read(src));
    }

    @ParameterizedTest
    @EnumSource(CfgNewCommand.Kind.class)
    void newPrintsAValidCommentedStarter(CfgNewCommand.Kind kind) {
        Result r = run("cfg", "new", kind.name());
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("# AMCT "), r.out());
        RetrainConfig config = RetrainConfig.parse(kind + ".cfg", r.out());
        Mode expected = switch (kind) {
            case quant -> Mode.QUANT;
            case prune, selective -> Mode.PRUNE;
            case compressed -> Mode.COMPRESSED;
        };
        assertEquals(expected, config.inferredMode());
        assertTrue(config.validate(expected).items().isEmpty(), config.validate(expected).toString());
        // the commented-out examples are valid too: uncommented, the file still parses and validates
        String uncommented = r.out().lines()
                .map(l -> l.matches("^#( *[a-z_0-9]+( \\{|:).*| *\\}.*)$") ? l.substring(1) : l)
                .reduce("", (a, b) -> a + b + "\n");
        assertTrue(uncommented.length() > 0);
        RetrainConfig examples = RetrainConfig.parse(kind + " (examples uncommented)", uncommented);
        assertFalse(examples.validate(expected).hasErrors(), examples.validate(expected).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "cfg", "cfg validate", "cfg fmt", "cfg new"})
    void everyCommandHasHelp(String command) {
        String[] args = Stream.concat(Stream.of(command.split(" ")).filter(s -> !s.isEmpty()), Stream.of("--help"))
                .toArray(String[]::new);
        Result r = run(args);
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("Usage: amctkit"), r.out());
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, run("frobnicate").exit());
        assertEquals(2, run("cfg", "validate").exit());
        assertEquals(2, run("cfg", "new", "quantum").exit());
        assertEquals(2, run("cfg").exit());
    }
}
