package io.amctkit.kernels.ascend;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.amctkit.kernels.ArqWeights;
import io.amctkit.kernels.Backend;
import io.amctkit.kernels.KernelException;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.WeightLayout;
import io.amctkit.kernels.WeightUlq;
import io.amctkit.kernels.cpu.CpuBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Ascend backend on the test emulator (src/test/c/ascend_emulator.c): device results equal the CPU's bit for bit,
 * nothing leaks on any path, CANN errors name the function and status, and the backend says where each kernel runs.
 */
public class AscendEmulatorTest {

    /** The emulator's test controls. */
    public interface Emulator extends Library {
        long emu_live_allocations();

        long emu_live_tensors();

        long emu_live_streams();

        long emu_live_executors();

        void emu_set_device_count(int n);

        void emu_fail_next(String function, int status);

        long emu_live_contexts();

        int emu_finalized();
    }

    /** The emulated CANN folder the suite runs on (the 8.5 layout); the controls live in its libascendcl.so. */
    static java.nio.file.Path emulatorDir() {
        return java.nio.file.Path.of(System.getProperty(Cann.EMULATOR_PROPERTY));
    }

    public static final Emulator EMU = Native.load(emulatorDir().resolve("libascendcl.so").toString(), Emulator.class);

    @AfterEach
    void nothingLeaks() {
        EMU.emu_fail_next("", 0);
        EMU.emu_set_device_count(1);
        assertEquals(0, EMU.emu_live_allocations(), "device buffers left");
        assertEquals(0, EMU.emu_live_tensors(), "tensor descriptors left");
        assertEquals(0, EMU.emu_live_streams(), "streams left");
        assertEquals(0, EMU.emu_live_executors(), "executors left");
        assertEquals(0, EMU.emu_live_contexts(), "device contexts left");
    }

    /**
     * Each value's IEEE bits. (Not {@code data().asInt()}: that casts the values to int, and weights below 1 all cast
     * to 0, so any two results would compare equal.)
     */
    static int[] floatBits(INDArray a) {
        float[] v = a.data().asFloat();
        int[] bits = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            bits[i] = Float.floatToRawIntBits(v[i]);
        }
        return bits;
    }

    @org.junit.jupiter.api.Test
    void floatBitsTellApartWhatAnIntCastCannot() {
        INDArray x = Nd4j.createFromArray(0.25f, 0.5f);
        INDArray y = Nd4j.createFromArray(0.25f, Math.nextUp(0.5f));
        assertArrayEquals(x.data().asInt(), y.data().asInt(), "the old comparison saw no difference");
        assertFalse(java.util.Arrays.equals(floatBits(x), floatBits(y)));
    }

    private static INDArray weight(long... shape) {
        INDArray w = Nd4j.randn(DataType.FLOAT, shape).muli(0.05);
        w.putScalar(0, 0.5f * 0.05f / 127f * 3);   // a value on a rounding tie
        return w;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void arqOnTheDeviceEqualsTheCpuBitForBit(boolean channelWise) {
        INDArray w = weight(64, 32, 3, 3);
        try (Kernels npu = new AscendBackend().kernels(2); Kernels cpu = new CpuBackend().kernels(2)) {
            ArqWeights.Result a = npu.arq(w, WeightLayout.of("Conv2d", 1), 8, channelWise);
            ArqWeights.Result b = cpu.arq(w, WeightLayout.of("Conv2d", 1), 8, channelWise);
            assertArrayEquals(b.factors().scale(), a.factors().scale());
            int[] cpuBits = floatBits(b.fakeQuantized());
            assertArrayEquals(cpuBits, floatBits(a.fakeQuantized()), "float bits");
            assertTrue(java.util.Arrays.stream(cpuBits).distinct().count() > 100, "the compared values are not all alike");
            INDArray t = weight(16, 8, 2, 2);   // ConvTranspose2d: Cout on axis 1
            assertArrayEquals(floatBits(cpu.arq(t, WeightLayout.of("ConvTranspose2d", 1), 4, true).fakeQuantized()),
                    floatBits(npu.arq(t, WeightLayout.of("ConvTranspose2d", 1), 4, true).fakeQuantized()));
            float[] scale = b.factors().scale();
            WeightUlq.Forward u = npu.weightUlqForward(w, WeightLayout.of("Conv2d", 1), scale, 8, channelWise);
            assertArrayEquals(floatBits(cpu.weightUlqForward(w, WeightLayout.of("Conv2d", 1), scale, 8, channelWise).fakeQuantized()),
                    floatBits(u.fakeQuantized()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"aclrtCreateStream", "aclrtMalloc", "aclrtMemcpy", "aclnnFakeQuantPerChannelAffineCachemaskGetWorkspaceSize",
            "aclnnFakeQuantPerChannelAffineCachemask", "aclrtSynchronizeStream"})
    void aFailingCannCallNamesItselfAndReleasesEverything(String function) {
        try (Kernels npu = new AscendBackend().kernels(2)) {
            EMU.emu_fail_next(function, 507011);
            KernelException e = assertThrows(KernelException.class, () -> npu.arq(weight(8, 16), WeightLayout.COUT_FIRST, 8, true));
            assertTrue(e.getMessage().contains(function) && e.getMessage().contains("507011"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"aclCreateTensor", "aclnnFakeQuantPerTensorAffineCachemaskGetWorkspaceSize",
            "aclnnFakeQuantPerTensorAffineCachemask"})
    void aFailingPerTensorOrDescriptorCallNamesItselfAndReleasesEverything(String function) {
        try (Kernels npu = new AscendBackend().kernels(2)) {
            EMU.emu_fail_next(function, 561103);
            KernelException e = assertThrows(KernelException.class, () -> npu.arq(weight(8, 16), WeightLayout.COUT_FIRST, 8, false));
            assertTrue(e.getMessage().contains(function), e.getMessage());
            ArqWeights.Result after = npu.arq(weight(8, 16), WeightLayout.COUT_FIRST, 8, false);
            assertEquals(128, after.fakeQuantized().length(), "the backend still works after the failure");
        }
    }

    @Test
    void aFailingContextIsNamedWhenTheKernelsAreMadeAndLeavesNothingBehind() {
        EMU.emu_fail_next("aclrtCreateContext", 107002);
        KernelException e = assertThrows(KernelException.class, () -> new AscendBackend().kernels(2).close());
        assertTrue(e.getMessage().contains("aclrtCreateContext") && e.getMessage().contains("107002"), e.getMessage());
        try (Kernels npu = new AscendBackend().kernels(2)) {
            assertEquals(128, npu.arq(weight(8, 16), WeightLayout.COUT_FIRST, 8, true).fakeQuantized().length());
        }
    }

    @Test
    void deployQuantizationOnTheDeviceEqualsTheCpu() {
        INDArray x = weight(33, 100).muli(40);
        try (Kernels npu = new AscendBackend().kernels(2); Kernels cpu = new CpuBackend().kernels(2)) {
            float scaleD = Float.intBitsToFloat(0x3bc0c0c1);
            assertArrayEquals(cpu.deployQuantize(x, scaleD, -43, 8).data().asFloat(), npu.deployQuantize(x, scaleD, -43, 8).data().asFloat());
            assertTrue(npu.placement().get("deploy_quantize").contains("aclnnAscendQuantV3"));
            EMU.emu_fail_next("aclnnAscendQuantV3", 561103);
            KernelException e = assertThrows(KernelException.class, () -> npu.deployQuantize(x, scaleD, -43, 8));
            assertTrue(e.getMessage().contains("aclnnAscendQuantV3 failed with status 561103"), e.getMessage());
        }
    }

    @Test
    void nanWeightsAreNamedByTheHostAsAmctDoes() {
        INDArray w = weight(8, 16);
        w.putScalar(5, Float.NaN);
        try (Kernels npu = new AscendBackend().kernels(2)) {
            KernelException e = assertThrows(KernelException.class, () -> npu.arq(w, WeightLayout.COUT_FIRST, 8, true));
            assertTrue(e.getMessage().contains("invalid value NaN at flat index 5"), e.getMessage());
        }
    }

    @Test
    void noDeviceMeansUnusableAndSaysWhy() {
        EMU.emu_set_device_count(0);
        Backend.Availability a = new AscendBackend().availability();
        assertFalse(a.usable());
        assertTrue(a.detail().contains("device count 0"), a.detail());
    }

    @Test
    void placementSaysWhatRunsWhere() {
        try (Kernels npu = new AscendBackend().kernels(2)) {
            Map<String, String> where = npu.placement();
            assertTrue(where.get("arq").startsWith("device 0 (CANN 8.5.0 at " + emulatorDir()), where.get("arq"));
            assertTrue(where.get("ulq_forward").startsWith("host"), where.get("ulq_forward"));
            assertTrue(where.get("ulq_forward").contains("rounds before adding the offset"));
        }
    }
}
