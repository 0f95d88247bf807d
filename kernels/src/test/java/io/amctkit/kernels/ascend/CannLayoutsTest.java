package io.amctkit.kernels.ascend;

import io.amctkit.kernels.ArqWeights;
import io.amctkit.kernels.KernelException;
import io.amctkit.kernels.KernelVectorsAccess;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.WeightLayout;
import io.amctkit.kernels.cpu.CpuBackend;
import io.amctkit.kernels.reference.KernelVectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CANN as it is installed: the 8.5+ library split (libopapi_nn.so and libnnopbase.so, no libopapi.so) and the older
 * layout (libopapi.so only) are both found and both pass the whole contract suite; kernels run from several threads
 * (ACL contexts belong to threads); the process calls aclFinalize once at exit, after every stream and context is gone.
 */
class CannLayoutsTest {

    /** The emulator's folders: target/ascend-emulator/{cann-8.5, cann-8.0, lib}. */
    static Path root() {
        return AscendEmulatorTest.emulatorDir().getParent();
    }

    @AfterEach
    void nothingLeaks() {
        AscendEmulatorTest.EMU.emu_fail_next("", 0);
        assertEquals(0, AscendEmulatorTest.EMU.emu_live_allocations(), "device buffers left");
        assertEquals(0, AscendEmulatorTest.EMU.emu_live_tensors(), "tensor descriptors left");
        assertEquals(0, AscendEmulatorTest.EMU.emu_live_streams(), "streams left");
        assertEquals(0, AscendEmulatorTest.EMU.emu_live_executors(), "executors left");
        assertEquals(0, AscendEmulatorTest.EMU.emu_live_contexts(), "device contexts left");
    }

    @Test
    void bothLayoutsAreFoundAndNamed() {
        Cann.Found current = Cann.locateIn(root().resolve("cann-8.5"));
        assertTrue(current.cann().isPresent(), current.detail());
        assertTrue(current.detail().startsWith("CANN 8.5.0 at " + root().resolve("cann-8.5")
                + " (libascendcl.so, libnnopbase.so, libopapi_nn.so), 1 device(s)"), current.detail());
        Cann.Found older = Cann.locateIn(root().resolve("cann-8.0"));
        assertTrue(older.cann().isPresent(), older.detail());
        assertTrue(older.detail().startsWith("CANN 8.0.RC3 at " + root().resolve("cann-8.0")
                + " (libascendcl.so, libopapi.so), 1 device(s)"), older.detail());
    }

    /** What {@code doctor} prints (Backends.describe) on each layout. */
    @Test
    void doctorNamesTheVersionAndFilesOfEachLayout() {
        String before = System.getProperty(Cann.EMULATOR_PROPERTY);
        try {
            for (String layout : List.of("cann-8.5", "cann-8.0")) {
                System.setProperty(Cann.EMULATOR_PROPERTY, root().resolve(layout).toString());
                String doctor = io.amctkit.kernels.Backends.describe();
                String expected = layout.equals("cann-8.5")
                        ? "ascend (rank 10): usable — CANN 8.5.0 at " + root().resolve(layout) + " (libascendcl.so, libnnopbase.so, libopapi_nn.so)"
                        : "ascend (rank 10): usable — CANN 8.0.RC3 at " + root().resolve(layout) + " (libascendcl.so, libopapi.so)";
                assertTrue(doctor.contains(expected), doctor);
            }
        } finally {
            System.setProperty(Cann.EMULATOR_PROPERTY, before);
        }
    }

    @Test
    void aSplitInstallWithoutNnopbaseOrWithoutLibrariesSaysWhatIsMissing(@TempDir Path dir) throws Exception {
        Path split = Files.createDirectories(dir.resolve("lib64"));
        Files.createSymbolicLink(split.resolve("libascendcl.so"), root().resolve("lib/libascendcl.so"));
        Files.createSymbolicLink(split.resolve("libopapi_nn.so"), root().resolve("lib/libopapi_nn.so"));
        Cann.Found noBase = Cann.locateIn(split);
        assertFalse(noBase.cann().isPresent());
        assertTrue(noBase.detail().contains("libopapi_nn.so does not export [aclCreateTensor, aclDestroyTensor,")
                && noBase.detail().contains("libnnopbase.so"), noBase.detail());
        Cann.Found empty = Cann.locateIn(Files.createDirectories(dir.resolve("empty")));
        assertEquals("CANN not found in " + dir.resolve("empty") + ": missing libascendcl.so and libopapi_nn.so or libopapi.so",
                empty.detail());
    }

    /** Every case of every AMCT kernel vector file, on the Ascend backend opened from each layout. */
    @ParameterizedTest
    @ValueSource(strings = {"cann-8.5", "cann-8.0"})
    void theContractSuitePassesOnEachLayout(String layout) {
        Cann cann = Cann.locateIn(root().resolve(layout)).cann().orElseThrow();
        List<KernelVectors.VectorCase> cases = KernelVectorsAccess.allCases();
        assertTrue(cases.size() >= 600, "cases: " + cases.size());
        List<String> failures = new ArrayList<>();
        try (Kernels npu = new AscendKernels(cann, new CpuBackend().kernels(2), 0, 0)) {
            for (KernelVectors.VectorCase c : cases) {
                Optional<String> failure = KernelVectors.run(c, npu);
                failure.ifPresent(f -> failures.add(c + ": " + f));
            }
        }
        assertEquals(List.of(), failures);
    }

    private static INDArray weight(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.FLOAT, 48, 64).muli(0.05);
    }

    /** Four threads at once, each its own weights, each result equal to the CPU's; every call binds the context. */
    @Test
    void kernelsRunFromSeveralThreads() throws Exception {
        Cann cann = Cann.locateIn(AscendEmulatorTest.emulatorDir()).cann().orElseThrow();
        List<String> errors = runOnThreads(new AscendKernels(cann, new CpuBackend().kernels(1), 0, 0, true));
        assertEquals(List.of(), errors);
    }

    /** The same test with the context current only on the thread that made the kernels: the other threads fail. */
    @Test
    void withoutBindingEachCallTheOtherThreadsHaveNoContext() throws Exception {
        Cann cann = Cann.locateIn(AscendEmulatorTest.emulatorDir()).cann().orElseThrow();
        List<String> errors = runOnThreads(new AscendKernels(cann, new CpuBackend().kernels(1), 0, 0, false));
        assertEquals(4, errors.size(), "every pool thread fails: " + errors);
        assertTrue(errors.stream().allMatch(e -> e.contains("failed with status 107002")), errors.toString());
    }

    private static List<String> runOnThreads(AscendKernels npu) throws Exception {
        List<String> errors = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (npu; Kernels cpu = new CpuBackend().kernels(1)) {
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                INDArray w = weight(100 + t);
                results.add(pool.submit(() -> {
                    try {
                        for (int round = 0; round < 5; round++) {
                            ArqWeights.Result a = npu.arq(w, WeightLayout.COUT_FIRST, 8, true);
                            ArqWeights.Result b = cpu.arq(w, WeightLayout.COUT_FIRST, 8, true);
                            assertArrayEquals(b.fakeQuantized().data().asFloat(), a.fakeQuantized().data().asFloat());
                        }
                        return null;
                    } catch (KernelException e) {
                        return e.getMessage();
                    }
                }));
            }
            for (Future<String> r : results) {
                String error = r.get(60, TimeUnit.SECONDS);
                if (error != null) {
                    errors.add(error);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return errors;
    }

    /**
     * A separate JVM opens CANN, runs a kernel, closes its kernels and exits: the emulator's log shows one aclFinalize,
     * with no stream, context or executor left at that moment.
     */
    @Test
    void theProcessFinalizesAclOnceAtExitAfterEverythingIsReleased(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("finalize.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-D" + Cann.EMULATOR_PROPERTY + "=" + AscendEmulatorTest.emulatorDir(), "-Damctkit.ascend.minElements=0",
                AscendShutdownMain.class.getName()).redirectErrorStream(true);
        pb.environment().put("EMU_FINALIZE_LOG", log.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("ran on ascend"), out);
        assertEquals(List.of("aclFinalize streams=0 contexts=0 executors=0"), Files.readAllLines(log));
    }
}
