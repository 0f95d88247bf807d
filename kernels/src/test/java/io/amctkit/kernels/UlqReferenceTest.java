package io.amctkit.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ULQ activation forward (bit for bit) and backward (grad input bit for bit; clip gradients within the documented
 * reduction-order tolerance 1e-6·Σ|term|, algorithms.md §2.3).
 */
class UlqReferenceTest {

    static final JsonNode REF = KernelReference.load("ulq_retrain.json");

    static Stream<Arguments> cases() {
        return BackendContract.cross(ScaleOffsetReferenceTest.list(REF.get("cases")));
    }

    @ParameterizedTest(name = "{0} {index}")
    @MethodSource("cases")
    void forwardAndBackward(String backend, JsonNode c) {
        INDArray x;
        INDArray g;
        if (c.has("input_data")) {
            float[] data = KernelReference.floats(c.get("input_data"));
            x = Tensors.of(data, data.length);
            g = Tensors.of(filled(data.length), data.length);
        } else {
            x = KernelReference.tensor(REF.get("inputs").get(c.get("input").asText()));
            g = KernelReference.tensor(REF.get("grad_outputs").get(c.get("input").asText()));
        }
        int bits = c.get("num_bits").asInt();
        ClipState state = new ClipState(KernelReference.f(c.get("clip_max")), KernelReference.f(c.get("clip_min")),
                KernelReference.f(c.get("clip_max_pre")), KernelReference.f(c.get("clip_min_pre")));
        String what = c.get("input").asText() + "/" + c.get("clip_set").asText() + " bits=" + bits + " fixed_min=" + c.get("fixed_min");
        JsonNode out = c.get("out");
        boolean asymmetric = c.get("asymmetric").asBoolean();
        Kernels kernels = BackendContract.kernels(backend);
        UlqActivation.Forward f = asymmetric   // the pipeline is always asymmetric; the symmetric variant is CPU-only
                ? kernels.ulqForward(x, state, bits, c.get("fixed_min").asBoolean())
                : UlqActivation.forward(x, state, bits, c.get("fixed_min").asBoolean(), false, Parallel.sequential());
        KernelReference.assertBits(KernelReference.floats(out.get("output")), KernelReference.values(f.output()), what + " output");
        assertEquals(KernelReference.f(out.get("scale")), f.scale(), what + " scale");
        assertEquals(out.get("offset").asInt(), f.offset(), what + " offset");
        assertEquals(KernelReference.f(out.get("effective_clip_max")), f.clipMax(), what + " clip_max");
        assertEquals(KernelReference.f(out.get("effective_clip_min")), f.clipMin(), what + " clip_min");

        UlqActivation.Gradients grad = asymmetric
                ? kernels.ulqBackward(x, g, f.clipMax(), f.clipMin(), bits)
                : UlqActivation.backward(x, g, f.clipMax(), f.clipMin(), bits, false, Parallel.sequential());
        JsonNode expected = c.get("grad");
        KernelReference.assertBits(KernelReference.floats(expected.get("grad_input")), KernelReference.values(grad.gradInput()), what + " grad_input");
        double[] magnitude = termMagnitudes(KernelReference.values(x), KernelReference.values(g), f, bits);
        assertClose(KernelReference.f(expected.get("grad_clip_max")), grad.gradClipMax(), magnitude[0], what + " grad_clip_max");
        assertClose(KernelReference.f(expected.get("grad_clip_min")), grad.gradClipMin(), magnitude[1], what + " grad_clip_min");
    }

    private static float[] filled(int n) {
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        return ones;
    }

    /** Σ|(e + U)·g| and Σ|(L − e)·g|: the scale of the reduction-order error of the clip gradients. */
    private static double[] termMagnitudes(float[] x, float[] g, UlqActivation.Forward f, int bits) {
        double a = 0;
        double b = 0;
        float s = f.scale();
        float hi = s * (float) ((1 << (bits - 1)) - 1 - f.offset());
        float lo = s * (float) (-(1 << (bits - 1)) - f.offset());
        for (int i = 0; i < x.length; i++) {
            boolean u = x[i] > hi;
            boolean l = x[i] < lo;
            float t = (u ? f.clipMax() : l ? f.clipMin() : x[i]) / s;
            float e = ((float) Math.rint(t) - t) / (float) ((1 << bits) - 1);
            a += Math.abs((e + (u ? 1 : 0)) * g[i]);
            b += Math.abs(((l ? 1 : 0) - e) * g[i]);
        }
        return new double[]{a, b};
    }

    private static void assertClose(float expected, float actual, double magnitude, String what) {
        double tolerance = 1e-6 * magnitude + Math.ulp(expected);
        assertTrue(Math.abs(expected - actual) <= tolerance, what + ": expected " + expected + " but was " + actual
                + " (tolerance " + tolerance + ")");
    }
}
