package io.amctkit.kernels;

import io.amctkit.kernels.reference.KernelVectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend contract suite: every case of every AMCT kernel vector file in ../shared/reference/kernels, on every
 * usable backend. New files and cases of the same format are picked up automatically.
 */
class KernelVectorsTest {

    static Path dir() {
        return Path.of(System.getProperty("amctkit.reference", "../../shared/reference")).resolve("kernels");
    }

    static List<Path> files() {
        try (Stream<Path> files = Files.list(dir())) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("AMCT kernel reference vectors missing at " + dir().toAbsolutePath(), e);
        }
    }

    static Stream<Arguments> cases() {
        return files().stream().flatMap(f -> {
            try {
                return KernelVectors.cases(f).stream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).flatMap(c -> Backends.usable().stream().map(b -> Arguments.of(b.name(), c)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void matchesAmct(String backend, KernelVectors.VectorCase c) {
        Optional<String> failure = KernelVectors.run(c, BackendContract.kernels(backend));
        assertTrue(failure.isEmpty(), () -> c + " on " + backend + ": " + failure.get());
    }

    /**
     * After the whole contract suite: every backend's kernels closed, and on the emulated Ascend device nothing left
     * allocated (buffers, tensor descriptors, streams, executors).
     */
    @org.junit.jupiter.api.AfterAll
    static void theWholeSuiteLeavesNothingOnTheDevice() {
        BackendContract.closeAll();
        String emulator = System.getProperty(io.amctkit.kernels.ascend.Cann.EMULATOR_PROPERTY);
        if (emulator != null && Files.isDirectory(Path.of(emulator))) {
            var emu = io.amctkit.kernels.ascend.AscendEmulatorTest.EMU;
            assertEquals(0, emu.emu_live_allocations(), "device buffers left after the contract suite");
            assertEquals(0, emu.emu_live_tensors(), "tensor descriptors left after the contract suite");
            assertEquals(0, emu.emu_live_streams(), "streams left after the contract suite");
            assertEquals(0, emu.emu_live_executors(), "executors left after the contract suite");
            assertEquals(0, emu.emu_live_contexts(), "device contexts left after the contract suite");
        }
    }

    @Test
    void allSevenKernelFilesAreReplayed() {
        assertEquals(List.of("arq_retrain.json", "calculate_scale_offset.json", "filter_prune_bcp.json", "ifmr.json",
                "selective_mask_gen.json", "ulq_retrain.json", "ulq_scale_retrain.json"),
                files().stream().map(p -> p.getFileName().toString()).toList().subList(0, 7));
        long cases = cases().count();
        assertTrue(cases >= 600, "cases: " + cases);
    }

    /**
     * A grouped ConvTranspose2d function case as AMCT's vectors would give it (PyTorch's {@code groups} attribute,
     * weight [Cin, Cout/g, k, k]): the replay must read the groups and give Cout = g·(Cout/g) scales; the expected
     * scales and fake-quantized values are computed here with plain loops.
     */
    @Test
    void aGroupedConvTransposeCaseGetsOneScalePerOutputChannel(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        int cin = 4;
        int perOut = 3;
        int groups = 2;
        int k = 4;
        java.util.Random r = new java.util.Random(5);
        float[] w = new float[cin * perOut * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        int cout = groups * perOut;
        float[] scale = new float[cout];
        for (int c = 0; c < cout; c++) {
            int g = c / perOut;
            float max = 0;
            float min = 0;
            for (int i = g * cin / groups; i < (g + 1) * cin / groups; i++) {
                for (int t = 0; t < k; t++) {
                    max = Math.max(max, w[(i * perOut + c % perOut) * k + t]);
                    min = Math.min(min, w[(i * perOut + c % perOut) * k + t]);
                }
            }
            scale[c] = Math.max(Math.abs(max), Math.abs(min)) / (Math.abs(max) < Math.abs(min) ? 128f : 127f);
        }
        float[] fq = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            int in = i / (perOut * k);
            int c = (in / (cin / groups)) * perOut + (i / k) % perOut;
            fq[i] = Math.min(Math.max((float) Math.rint(w[i] / scale[c]), -128f), 127f) * scale[c];
        }
        String tensor = "{\"shape\": [4, 3, 2, 2], \"dtype\": \"float32\", \"data\": " + json(w) + "}";
        String json = "{\"cases\": [], \"inputs\": {}, \"function_cases\": [{\"module_type\": \"ConvTranspose2d\", \"groups\": 2,"
                + " \"num_bits\": 8, \"channel_wise\": true, \"weight\": " + tensor + ", \"grad_output\": " + tensor
                + ", \"scale\": " + json(scale) + ", \"fake_quantized\": {\"shape\": [4, 3, 2, 2], \"dtype\": \"float32\", \"data\": "
                + json(fq) + "}, \"grad_weight\": " + tensor + "}]}";
        Path file = Files.writeString(tmp.resolve("arq_retrain.json"), json);
        List<KernelVectors.VectorCase> cases = KernelVectors.cases(file);
        assertEquals(1, cases.size());
        try (Kernels kernels = Backends.select().kernels(1)) {
            assertEquals(Optional.empty(), KernelVectors.run(cases.get(0), kernels));
        }
        String ungrouped = Files.readString(file).replace("\"groups\": 2,", "");
        Files.writeString(file, ungrouped);
        try (Kernels kernels = Backends.select().kernels(1)) {
            assertTrue(KernelVectors.run(KernelVectors.cases(file).get(0), kernels).isPresent(), "read as ungrouped it fails");
        }
    }

    private static String json(float[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ").append((double) v[i]);
        }
        return b.append(']').toString();
    }
}
