package io.amctkit.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a report asks of a backend without weight-sized outputs: ARQ's factors with the error of its fake quantization,
 * and the packed 2:4 mask. On every usable backend, for Linear (contiguous groups) and Conv layouts, short Cin axes and
 * ties: the same factors as {@code arq}, error sums bit-identical to measuring {@code arq}'s own output, the packed mask
 * bit for bit the float mask's, on one thread or several.
 */
class ReportKernelsTest {

    /** The backends' kernels closed, so that the emulated device's leak checks after this class see nothing left. */
    @org.junit.jupiter.api.AfterAll
    static void closeBackends() {
        BackendContract.closeAll();
    }

    static Stream<Arguments> cases() {
        return Backends.usable().stream().flatMap(b -> Stream.of(
                Arguments.of(b.name(), new long[]{64, 256}, "Linear"),
                Arguments.of(b.name(), new long[]{33, 4104}, "Linear"),
                Arguments.of(b.name(), new long[]{9, 30}, "Linear"),
                Arguments.of(b.name(), new long[]{16, 8, 3, 3}, "Conv2d"),
                Arguments.of(b.name(), new long[]{6, 5, 3, 3}, "ConvTranspose2d")));
    }

    /** Gaussian weights with runs of equal magnitudes (ties the 2:4 mask must break as torch does). */
    private static INDArray weight(long[] shape) {
        INDArray w = KernelBehaviourTest.random(shape.length * 31L + shape[0], shape);
        float[] v = w.data().asFloat();
        for (int i = 0; i + 3 < v.length; i += 37) {
            v[i + 1] = -v[i];
            v[i + 2] = v[i];
        }
        return Tensors.of(v, shape);
    }

    @ParameterizedTest(name = "{0}: {2} {1}")
    @MethodSource("cases")
    void arqSummaryIsArqWithTheErrorOfItsOwnOutput(String backend, long[] shape, String type) {
        INDArray w = weight(shape);
        WeightLayout layout = WeightLayout.of(type, 1);
        Kernels k = BackendContract.kernels(backend);
        for (boolean channelWise : new boolean[]{true, false}) {
            ArqWeights.Result arq = k.arq(w, layout, 8, channelWise);
            ArqWeights.Summary summary = k.arqSummary(w, layout, 8, channelWise);
            assertEquals(arq.factors(), summary.factors(), "the factors arq computes");
            INDArray original = Tensors.asFloat32(layout.toCoutFirst(w));
            INDArray quantized = Tensors.asFloat32(layout.toCoutFirst(arq.fakeQuantized()));
            QuantError measured = QuantError.between(Tensors.floats(original), Tensors.floats(quantized),
                    arq.factors().scale(), 8);
            assertEquals(measured, summary.error(), "channel-wise " + channelWise);
            // and independently, in double, element by element
            float[] a = original.data().asFloat();
            float[] q = quantized.data().asFloat();
            float[] s = arq.factors().scale();
            double noise = 0;
            double signal = 0;
            long saturated = 0;
            for (int i = 0; i < a.length; i++) {
                float scale = s[s.length == 1 ? 0 : i / (a.length / s.length)];
                double e = (double) a[i] - q[i];
                noise += e * e;
                signal += (double) a[i] * a[i];
                saturated += q[i] <= -128 * scale || q[i] >= 127 * scale ? 1 : 0;
            }
            assertEquals(noise, summary.error().noise(), 1e-6 * noise);
            assertEquals(signal, summary.error().signal(), 1e-6 * signal);
            assertEquals(saturated, summary.error().saturated());
            assertEquals(a.length, summary.error().count());
            assertTrue(saturated >= s.length, "each scale's extreme value lands on an extreme level");
            arq.fakeQuantized().close();
        }
    }

    @ParameterizedTest(name = "{0}: {2} {1}")
    @MethodSource("cases")
    void packedMaskIsTheFloatMaskBitForBit(String backend, long[] shape, String type) {
        INDArray w = weight(shape);
        int axis = SelectiveMask.cinAxis(type);
        Kernels k = BackendContract.kernels(backend);
        float[] mask = k.selectiveMask(w, axis).data().asFloat();
        SelectiveMask.Packed packed = k.selectiveMaskPacked(w, axis);
        long[] words = packed.words();
        assertEquals((mask.length + 63) / 64, words.length);
        long ones = 0;
        for (int i = 0; i < mask.length; i++) {
            int b = (int) (words[i / 64] >>> (8 * ((i / 8) % 8))) & 0xff;
            assertEquals((int) mask[i], b >>> (7 - i % 8) & 1, "element " + i);
            ones += (long) mask[i];
        }
        assertEquals(ones, packed.kept());
        assertEquals(mask.length, packed.elements());
        assertTrue(packed.compliant(), "AMCT's mask keeps at most 2 of every 4");
        try (Parallel many = Parallel.of(3, 1)) {
            SelectiveMask.Packed threaded = SelectiveMask.packed(w, axis, many);
            assertArrayEquals(words, threaded.words(), "the same words on three threads");
            ArqWeights.Summary one = ArqWeights.summary(w, WeightLayout.of(type, 1), 4, true, Parallel.sequential());
            assertEquals(one, ArqWeights.summary(w, WeightLayout.of(type, 1), 4, true, many));
            assertEquals(ArqWeights.summary(w, WeightLayout.of(type, 1), 4, false, Parallel.sequential()),
                    ArqWeights.summary(w, WeightLayout.of(type, 1), 4, false, many));
        }
    }

    /**
     * A BF16 checkpoint's weight is handed to the kernels as stored: every result is that of its exact float32, bit for
     * bit, on one thread or three (ranges widened a piece at a time, per-tensor statistics over several pieces).
     */
    @ParameterizedTest(name = "{0}: {2} {1}")
    @MethodSource("cases")
    void bf16WeightGivesTheResultsOfItsFloat32(String backend, long[] shape, String type) {
        INDArray bf16 = weight(shape).castTo(org.nd4j.linalg.api.buffer.DataType.BFLOAT16);
        INDArray exact = bf16.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        assertEquals(org.nd4j.linalg.api.buffer.DataType.BFLOAT16, bf16.dataType());
        WeightLayout layout = WeightLayout.of(type, 1);
        int axis = SelectiveMask.cinAxis(type);
        Kernels k = BackendContract.kernels(backend);
        for (boolean channelWise : new boolean[]{true, false}) {
            for (int bits : new int[]{8, 4}) {
                ArqWeights.Summary expected = k.arqSummary(exact, layout, bits, channelWise);
                assertEquals(expected, k.arqSummary(bf16, layout, bits, channelWise), bits + " bits, channel-wise " + channelWise);
                try (Parallel many = Parallel.of(3, 1)) {
                    assertEquals(expected, ArqWeights.summary(bf16, layout, bits, channelWise, many), "on three threads");
                }
            }
        }
        SelectiveMask.Packed expected = k.selectiveMaskPacked(exact, axis);
        SelectiveMask.Packed packed = k.selectiveMaskPacked(bf16, axis);
        assertArrayEquals(expected.words(), packed.words());
        assertEquals(expected.kept(), packed.kept());
        assertEquals(expected.compliant(), packed.compliant());
        try (Parallel many = Parallel.of(3, 1)) {
            assertArrayEquals(expected.words(), SelectiveMask.packed(bf16, axis, many).words(), "on three threads");
        }
    }

    /** A NaN or infinity in a BF16 weight is named by its own flat index, past the first piece too. */
    @org.junit.jupiter.api.Test
    void bf16NonFiniteValuesAreNamedByTheirFlatIndex() {
        long[] shape = {4, 8192};
        for (int at : new int[]{5, 4096 + 9, 3 * 8192 + 4100}) {
            float[] v = weight(shape).data().asFloat();
            v[at] = Float.NaN;
            INDArray bf16 = Tensors.of(v, shape).castTo(org.nd4j.linalg.api.buffer.DataType.BFLOAT16);
            for (boolean channelWise : new boolean[]{true, false}) {
                KernelException e = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                        () -> ArqWeights.summary(bf16, WeightLayout.of("Linear", 1), 8, channelWise, Parallel.of(2, 1)));
                assertTrue(e.getMessage().contains("invalid value NaN at flat index " + at), e.getMessage());
            }
            KernelException mask = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                    () -> SelectiveMask.packed(bf16, 1, Parallel.of(2, 1)));
            int group = at / 4 * 4;
            assertTrue(mask.getMessage().contains("NaN in flat indices " + group + ".." + (group + 3)), mask.getMessage());
            v[at] = Float.NEGATIVE_INFINITY;
            INDArray inf = Tensors.of(v, shape).castTo(org.nd4j.linalg.api.buffer.DataType.BFLOAT16);
            KernelException e = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                    () -> ArqWeights.summary(inf, WeightLayout.of("Linear", 1), 8, false, Parallel.sequential()));
            assertTrue(e.getMessage().contains("invalid value -Infinity at flat index " + at), e.getMessage());
        }
    }

    @org.junit.jupiter.api.Test
    void aMaskKeepingThreeOfFourIsReportedNotCompliant() {
        for (long[] shape : new long[][]{{2, 32}, {2, 8, 2, 2}}) {
            float[] m = new float[64];
            int stride = shape.length == 2 ? 1 : 4;   // along Cin: consecutive in Linear, 4 apart in a 2x2 Conv
            for (int j = 0; j < 3; j++) {
                m[j * stride] = 1f;   // the first group keeps three
            }
            SelectiveMask.Packed p = SelectiveMask.pack(Tensors.of(m, shape), 1, Parallel.sequential());
            assertFalse(p.compliant(), java.util.Arrays.toString(shape));
            assertEquals(3, p.kept());
        }
    }
}
