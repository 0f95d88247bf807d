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

    @Test
    void allSevenKernelFilesAreReplayed() {
        assertEquals(List.of("arq_retrain.json", "calculate_scale_offset.json", "filter_prune_bcp.json", "ifmr.json",
                "selective_mask_gen.json", "ulq_retrain.json", "ulq_scale_retrain.json"),
                files().stream().map(p -> p.getFileName().toString()).toList().subList(0, 7));
        long cases = cases().count();
        assertTrue(cases >= 600, "cases: " + cases);
    }
}
