package io.amctkit.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.amctkit.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calibration on the user's own samples: a .npy for a single-input model, safetensors for a multi-input one. */
@Tag("real-model")
class ReportInputsTest {

    @TempDir
    Path dir;

    private Path resource(String name) throws IOException {
        Path target = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/models/" + name)) {
            Files.copy(in, target);
        }
        return target;
    }

    @Test
    void npyImagesCalibrateTheDetector() throws IOException {
        CliTest.Result r = run("report", "--model", "zoo:paddleocr-det", "--seed", "quant", "--inputs",
                resource("det_samples.npy").toString(), "--samples", "8");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("activations calibrated on 2 samples"), r.out());
        assertTrue(r.err().contains("the sample file holds 2 samples; calibrated on those"), r.err());
    }

    @Test
    void safetensorsTokensCalibrateMiniLm() throws IOException {
        CliTest.Result r = run("report", "--model", "zoo:minilm", "--seed", "quant", "--inputs",
                resource("minilm_samples.safetensors").toString(), "--samples", "2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("activations calibrated on 2 samples (36 layers)"), r.out());
    }

    @Test
    void aSampleFileThatDoesNotFitIsOneLineNamingIt() throws IOException {
        Path npy = resource("det_samples.npy");
        CliTest.Result r = run("report", "--model", "zoo:minilm", "--seed", "quant", "--inputs", npy.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains(npy + ": a .npy file feeds a single-input model"), r.err());
    }
}
