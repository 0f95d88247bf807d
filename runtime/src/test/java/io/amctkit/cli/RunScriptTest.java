package io.amctkit.cli;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.amctkit.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code amctkit run SCRIPT.jsh}: the example script writes a valid .cfg; a broken script fails naming its line. */
class RunScriptTest {

    @TempDir
    Path dir;

    @Test
    void theExampleScriptWritesAValidConfig() throws Exception {
        Path root = Path.of(System.getProperty("amctkit.root", ".."));
        Path out = dir.resolve("compressed-det.cfg");
        String script = Files.readString(root.resolve("examples/write-config.jsh"))
                .replace("System.getProperty(\"amctkit.out\", \"compressed-det.cfg\")", "\"" + out + "\"");
        Path copy = Files.writeString(dir.resolve("write-config.jsh"), script);
        CliTest.Result r = run("run", copy.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains(out.toString()), "the script's last value is printed: " + r.out());
        RetrainConfig cfg = RetrainConfig.read(out);
        assertEquals(Mode.COMPRESSED, cfg.inferredMode());
        assertTrue(!cfg.validate(Mode.COMPRESSED).hasErrors());
    }

    @Test
    void aBrokenScriptNamesTheLine() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.jsh"), "int ok = 1;\nint x = ;\n");
        CliTest.Result r = run("run", bad.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith(bad + ": line 2: error:"), r.err());
    }
}
