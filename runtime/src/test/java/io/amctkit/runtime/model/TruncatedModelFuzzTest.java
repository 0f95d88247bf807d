package io.amctkit.runtime.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Truncated and bit-flipped model files of every format: each either opens and reads all its weights, or fails with a
 * {@link ModelException} naming the file — never another exception, a hang or a crash.
 */
class TruncatedModelFuzzTest {

    @TempDir
    Path dir;

    private List<byte[]> seeds() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("/models/tiny_state_dict.pt")) {
            seeds.add(in.readAllBytes());
        }
        seeds.add(new SafetensorsWriter().f32("conv.weight", 0.5f, 4, 2, 3, 3).f32("fc.weight", 1f, 3, 4)
                .write(dir.resolve("seed.safetensors")).toFile().exists()
                ? Files.readAllBytes(dir.resolve("seed.safetensors")) : new byte[0]);
        seeds.add(new OnnxFiles().initializer("conv.weight", 0.1f, 4, 2, 3, 3).initializer("onnx::MatMul_1", 1f, 4, 5)
                .node("Conv", "/conv/Conv", OnnxFiles.in("x", "conv.weight"), OnnxFiles.in("c"))
                .node("Relu", "/relu/Relu", OnnxFiles.in("c"), OnnxFiles.in("r"))
                .node("MatMul", "/fc/MatMul", OnnxFiles.in("r", "onnx::MatMul_1"), OnnxFiles.in("y"))
                .build().toByteArray());
        return seeds;
    }

    @Test
    void damagedFilesFailCleanly() throws IOException {
        String[] names = {"seed.pt", "seed.safetensors", "seed.onnx"};
        List<byte[]> seeds = seeds();
        Random random = new Random(20261126);
        int opened = 0;
        int refused = 0;
        for (int s = 0; s < seeds.size(); s++) {
            byte[] seed = seeds.get(s);
            for (int trial = 0; trial < 150; trial++) {
                byte[] damaged;
                if (trial < 75) {
                    damaged = java.util.Arrays.copyOf(seed, random.nextInt(seed.length));
                } else {
                    damaged = seed.clone();
                    for (int f = 0; f < 1 + random.nextInt(4); f++) {
                        damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                Path file = Files.write(dir.resolve(names[s]), damaged);
                boolean ok = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> openAndReadAll(file),
                        names[s] + " trial " + trial + " hung");
                if (ok) {
                    opened++;
                } else {
                    refused++;
                }
            }
        }
        assertEquals(450, opened + refused);
        assertTrue(refused > 150, "most damaged files must be refused; refused " + refused);
    }

    /** True if it opened and every weight read; false on a ModelException that names the file; anything else fails. */
    private static boolean openAndReadAll(Path file) {
        try (Model m = Models.open(file)) {
            for (ModelLayer l : m.layers()) {
                for (TensorInfo t : l.weights()) {
                    m.read(t);
                }
            }
            return true;
        } catch (ModelException e) {
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            return false;
        }
    }
}
