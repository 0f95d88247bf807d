package io.amctkit.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Multi-threaded chunking changes nothing; bad input gets AMCT's behaviour or an error naming the problem. */
class KernelBehaviourTest {

    static INDArray random(long seed, long... shape) {
        Random r = new Random(seed);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 2);
        }
        return Tensors.of(v, shape);
    }

    @Test
    void threadsGiveTheSequentialResults() {
        INDArray x = random(1, 3, 1001);
        INDArray g = random(2, 3, 1001);
        INDArray w = random(3, 37, 5, 3, 3);
        try (Parallel many = Parallel.of(3, 1)) {
            Parallel one = Parallel.sequential();
            ClipState clips = ClipState.of(3f, -2f);
            assertArrayEquals(KernelReference.values(UlqActivation.forward(x, clips, 8, false, one).output()),
                    KernelReference.values(UlqActivation.forward(x, clips, 8, false, many).output()));
            UlqActivation.Gradients a = UlqActivation.backward(x, g, 3f, -2f, 8, one);
            UlqActivation.Gradients b = UlqActivation.backward(x, g, 3f, -2f, 8, many);
            assertArrayEquals(KernelReference.values(a.gradInput()), KernelReference.values(b.gradInput()));
            assertEquals(a.gradClipMax(), b.gradClipMax(), 1e-5f);
            for (boolean cw : new boolean[]{true, false}) {
                ArqWeights.Result s = ArqWeights.forward(w, WeightLayout.COUT_FIRST, 8, cw, false, one);
                ArqWeights.Result p = ArqWeights.forward(w, WeightLayout.COUT_FIRST, 8, cw, false, many);
                assertEquals(s.factors(), p.factors());
                assertArrayEquals(KernelReference.values(s.fakeQuantized()), KernelReference.values(p.fakeQuantized()));
            }
            assertArrayEquals(KernelReference.values(SelectiveMask.mask(w, 1, one)), KernelReference.values(SelectiveMask.mask(w, 1, many)));
        }
    }

    @Test
    void intoVariantsWriteWhatTheAllocatingOnesReturn() {
        INDArray x = random(7, 16, 64);
        INDArray g = random(8, 16, 64);
        try (Kernels k = Backends.select().kernels(2)) {
            INDArray out = Tensors.newFloat32(16, 64);
            ClipState clips = ClipState.of(2f, -3f);
            k.ulqForwardInto(x, clips, 8, true, out);
            assertArrayEquals(KernelReference.values(k.ulqForward(x, clips, 8, true).output()), KernelReference.values(out));
            k.ulqBackwardInto(x, g, 2f, 0f, 8, out);
            assertArrayEquals(KernelReference.values(k.ulqBackward(x, g, 2f, 0f, 8).gradInput()), KernelReference.values(out));
            k.arqInto(x, WeightLayout.COUT_FIRST, 4, true, out);
            assertArrayEquals(KernelReference.values(k.arq(x, WeightLayout.COUT_FIRST, 4, true).fakeQuantized()), KernelReference.values(out));
            k.weightUlqForwardInto(x, WeightLayout.COUT_FIRST, null, 8, false, out);
            assertArrayEquals(KernelReference.values(k.weightUlqForward(x, WeightLayout.COUT_FIRST, null, 8, false).fakeQuantized()),
                    KernelReference.values(out));
            k.selectiveMaskInto(x, 1, out);
            assertArrayEquals(KernelReference.values(k.selectiveMask(x, 1)), KernelReference.values(out));
            INDArray deconv = random(9, 8, 3, 2, 2);
            INDArray dout = Tensors.newFloat32(8, 3, 2, 2);
            k.arqInto(deconv, WeightLayout.of("ConvTranspose2d", 1), 8, true, dout);
            assertArrayEquals(KernelReference.values(k.arq(deconv, WeightLayout.of("ConvTranspose2d", 1), 8, true).fakeQuantized()),
                    KernelReference.values(dout));
            KernelException wrong = assertThrows(KernelException.class, () -> k.arqInto(x, WeightLayout.COUT_FIRST, 8, true,
                    Tensors.newFloat32(3)));
            assertTrue(wrong.getMessage().contains("the ARQ output must be a contiguous c-order float32 array of 1024"), wrong.getMessage());
        }
    }

    @Test
    void halfPrecisionInputsAreComputedInFloat32() {
        INDArray x = random(4, 64);
        INDArray half = x.castTo(DataType.HALF);
        INDArray asFloat = half.castTo(DataType.FLOAT);
        ClipState clips = ClipState.of(3f, -3f);
        assertArrayEquals(KernelReference.values(UlqActivation.forward(asFloat, clips, 8, false, Parallel.sequential()).output()),
                KernelReference.values(UlqActivation.forward(half, clips, 8, false, Parallel.sequential()).output()));
        INDArray bf16 = x.castTo(DataType.BFLOAT16);
        assertEquals(DataType.FLOAT, ArqWeights.forward(bf16.reshape(8, 8), WeightLayout.COUT_FIRST, 8, true, false,
                Parallel.sequential()).fakeQuantized().dataType());
    }

    @Test
    void nanOrInfinityIsRejectedWithItsPosition() {
        INDArray x = Tensors.of(new float[]{0.5f, Float.NaN, 1f}, 3);
        KernelException e = assertThrows(KernelException.class,
                () -> UlqActivation.forward(x, ClipState.of(1f, -1f), 8, false, Parallel.sequential()));
        assertTrue(e.getMessage().contains("invalid value NaN at flat index 1"), e.getMessage());
        INDArray nanWeight = Tensors.of(new float[]{0.5f, 0.1f, Float.NaN, 2f, 1f, 1f, 1f, 1f}, 2, 4);
        KernelException mask = assertThrows(KernelException.class, () -> SelectiveMask.mask(nanWeight, 1, Parallel.sequential()));
        assertTrue(mask.getMessage().contains("NaN in flat indices 0..3"), mask.getMessage());
        INDArray w = Tensors.of(new float[]{0.5f, Float.POSITIVE_INFINITY, 1f, 2f}, 2, 2);
        KernelException arq = assertThrows(KernelException.class,
                () -> ArqWeights.forward(w, WeightLayout.COUT_FIRST, 8, true, false, Parallel.sequential()));
        assertTrue(arq.getMessage().contains("weight") && arq.getMessage().contains("Infinity"), arq.getMessage());
    }

    @Test
    void emptyAndRanklessInputsAreRejected() {
        assertThrows(KernelException.class, () -> ArqWeights.forward(Nd4j.create(DataType.FLOAT, 0, 4), WeightLayout.COUT_FIRST, 8,
                true, false, Parallel.sequential()));
        assertThrows(KernelException.class, () -> Ifmr.run(new float[0], Ifmr.Params.qatDefaults(8)));
        KernelException axis = assertThrows(KernelException.class, () -> SelectiveMask.mask(random(5, 4, 8), 2, Parallel.sequential()));
        assertTrue(axis.getMessage().contains("axis 2 does not exist"), axis.getMessage());
    }

    @Test
    void shortCinAxesPruneFewerWeights() {
        INDArray two = Tensors.of(new float[]{1, 2, 3, 4}, 2, 2);
        assertArrayEquals(new float[]{1, 1, 1, 1}, KernelReference.values(SelectiveMask.mask(two, 1, Parallel.sequential())));
        INDArray three = Tensors.of(new float[]{0.3f, -0.1f, 0.2f}, 1, 3);
        assertArrayEquals(new float[]{1, 0, 1}, KernelReference.values(SelectiveMask.mask(three, 1, Parallel.sequential())));
    }

    @Test
    void aRatioThatWouldPruneEverythingKeepsOneChannelPerGroup() {
        assertEquals(9, PruneCount.of(10, 0.99, false, 1));
        assertEquals(8, PruneCount.of(10, 0.99, false, 2));
        FilterPruner.Result r = FilterPruner.prune("conv", List.of(random(6, 10, 3, 3, 3)), new int[]{0}, 0.99, 1, false);
        assertEquals(9, r.prunedIndices().length);
    }

    /**
     * A grouped ConvTranspose weight [Cin, Cout/g, k, k] has Cout = g·(Cout/g) output channels (algorithms.md,
     * "ConvTranspose1d/2d"): channel-wise ARQ and weight ULQ give one scale per output channel, each from that
     * channel's own weights (group·(Cout/g) + j takes W[group·Cin/g : (group+1)·Cin/g, j, …]), checked by plain loops.
     */
    @Test
    void groupedConvTransposeHasOneScalePerOutputChannel() {
        for (long[] shape : new long[][]{{4, 3, 2, 2}, {6, 2, 3}}) {
            int groups = 2;
            INDArray w = random(11, shape);
            float[] v = KernelReference.values(w);
            int cin = (int) shape[0];
            int perOut = (int) shape[1];
            int k = v.length / (cin * perOut);
            int cout = groups * perOut;
            float[] expected = new float[cout];
            for (int c = 0; c < cout; c++) {
                int g = c / perOut;
                int j = c % perOut;
                float max = 0;
                float min = 0;
                for (int i = g * cin / groups; i < (g + 1) * cin / groups; i++) {
                    for (int t = 0; t < k; t++) {
                        float x = v[(i * perOut + j) * k + t];
                        max = Math.max(max, x);
                        min = Math.min(min, x);
                    }
                }
                float scope = Math.abs(max) < Math.abs(min) ? 128 : 127;
                expected[c] = Math.max(Math.abs(max), Math.abs(min)) / scope;
            }
            String type = shape.length == 4 ? "ConvTranspose2d" : "ConvTranspose1d";
            try (Kernels kernels = Backends.select().kernels(1)) {
                ArqWeights.Result arq = kernels.arq(w, WeightLayout.of(type, groups), 8, true);
                assertArrayEquals(expected, arq.factors().scale(), type + " ARQ: " + cout + " scales");
                float[] ulq = kernels.weightUlqForward(w, WeightLayout.of(type, groups), null, 8, true).scale();
                assertArrayEquals(expected, ulq, type + " weight ULQ: " + cout + " scales");
            }
        }
    }
}
