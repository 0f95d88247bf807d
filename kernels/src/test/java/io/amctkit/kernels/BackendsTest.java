package io.amctkit.kernels;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backends are found by ServiceLoader, ranked, chosen by property or environment, and described. */
class BackendsTest {

    @Test
    void theCpuBackendIsFoundAndUsable() {
        assertTrue(Backends.discovered().stream().anyMatch(b -> b.name().equals("cpu")));
        // the highest-ranked usable backend: the (emulated) Ascend NPU in these tests, else the CPU
        String best = System.getProperty(io.amctkit.kernels.ascend.Cann.EMULATOR_PROPERTY) != null ? "ascend" : "cpu";
        assertEquals(best, Backends.select(new Properties(), Map.of()).name());
        assertTrue(Backends.describe().contains("cpu (rank 0): usable"), Backends.describe());
    }

    @Test
    void aPropertyBeatsTheEnvironment() {
        Properties p = new Properties();
        p.setProperty(Backends.PROPERTY, "cpu");
        assertEquals("cpu", Backends.select(p, Map.of(Backends.ENVIRONMENT, "nope")).name());
        assertEquals("cpu", Backends.select(new Properties(), Map.of(Backends.ENVIRONMENT, "CPU")).name());
    }

    @Test
    void anUnknownBackendIsAnErrorListingWhatWasFound() {
        Properties p = new Properties();
        p.setProperty(Backends.PROPERTY, "tpu");
        Backends.BackendException e = assertThrows(Backends.BackendException.class, () -> Backends.select(p, Map.of()));
        assertTrue(e.getMessage().startsWith("no backend named 'tpu' (chosen by -Damctkit.backend)"), e.getMessage());
        assertTrue(e.getMessage().contains("cpu (rank 0): usable"), e.getMessage());
        Backends.BackendException env = assertThrows(Backends.BackendException.class,
                () -> Backends.select(new Properties(), Map.of(Backends.ENVIRONMENT, "tpu")));
        assertTrue(env.getMessage().contains("(chosen by AMCTKIT_BACKEND)"), env.getMessage());
    }

    @Test
    void cpuKernelsSayWhereEachKernelRuns() {
        Properties cpu = new Properties();
        cpu.setProperty(Backends.PROPERTY, "cpu");
        try (Kernels k = Backends.select(cpu, Map.of()).kernels(2)) {
            assertEquals(9, k.placement().size());
            assertTrue(k.placement().get("arq").startsWith("host (2 threads)"));
        }
    }

    /** The emulated Ascend backend (these tests' surefire points amctkit.ascend.emulator at it) by property and environment. */
    @Test
    void theAscendBackendIsChosenByPropertyAndEnvironment() {
        Properties ascend = new Properties();
        ascend.setProperty(Backends.PROPERTY, "ascend");
        assertEquals("ascend", Backends.select(ascend, Map.of()).name());
        assertEquals("ascend", Backends.select(new Properties(), Map.of(Backends.ENVIRONMENT, "ascend")).name());
        assertEquals("cpu", Backends.select(new Properties(), Map.of(Backends.ENVIRONMENT, "cpu")).name());
        assertEquals("ascend", Backends.select(new Properties(), Map.of()).name(), "the highest usable rank wins");
        assertTrue(Backends.describe().contains("ascend (rank 10): usable — CANN 8.5.0 at "), Backends.describe());
    }
}
