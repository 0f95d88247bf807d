package io.amctkit.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weight ULQ: step 0 (ARQ initialisation) and step 1 (trained scale, no re-init): forward and grad_weight bit for bit,
 * grad_scale within the documented reduction-order tolerance (algorithms.md §5: 1e-6·Σ|t·g|).
 */
class WeightUlqReferenceTest {

    static final JsonNode REF = KernelReference.load("ulq_scale_retrain.json");

    static Stream<Arguments> cases() {
        return BackendContract.cross(ScaleOffsetReferenceTest.list(REF.get("cases")));
    }

    @ParameterizedTest(name = "{0} {index}")
    @MethodSource("cases")
    void stepsMatchAmct(String backend, JsonNode c) {
        Kernels kernels = BackendContract.kernels(backend);
        INDArray w = KernelReference.tensor(REF.get("inputs").get(c.get("input").asText()));
        WeightLayout layout = WeightLayout.of(c.get("module_type").asText(), c.get("group").asInt());
        int bits = c.get("num_bits").asInt();
        boolean channelWise = c.get("channel_wise").asBoolean();
        for (JsonNode step : c.get("steps")) {
            String what = c.get("input").asText() + " " + c.get("module_type").asText() + " bits=" + bits + " cw=" + channelWise
                    + " step " + step.get("cur_batch").asInt();
            float[] scale = step.get("arq_init_effective").asBoolean() ? null : KernelReference.floats(step.get("scale_before"));
            WeightUlq.Forward f = kernels.weightUlqForward(w, layout, scale, bits, channelWise);
            KernelReference.assertBits(KernelReference.floats(step.get("scale")), f.scale(), what + " scale");
            KernelReference.assertBits(KernelReference.floats(step.get("fake_quantized")), KernelReference.values(f.fakeQuantized()), what);
            INDArray g = KernelReference.tensor(step.get("grad_output"));
            WeightUlq.Gradients grad = kernels.weightUlqBackward(w, layout, g, f.scale(), bits);
            KernelReference.assertBits(KernelReference.floats(step.get("grad_weight")), KernelReference.values(grad.gradWeight()), what + " grad_weight");
            float[] expected = KernelReference.floats(step.get("grad_scale"));
            float[] magnitude = magnitudes(KernelReference.values(w), KernelReference.values(g), f.scale(), bits, w.shape());
            for (int i = 0; i < expected.length; i++) {
                double tolerance = 1e-6 * magnitude[i] + Math.ulp(expected[i]);
                assertTrue(Math.abs(expected[i] - grad.gradScale()[i]) <= tolerance, what + " grad_scale[" + i + "]: expected "
                        + expected[i] + " but was " + grad.gradScale()[i]);
            }
        }
    }

    private static float[] magnitudes(float[] w, float[] g, float[] s, int bits, long[] shape) {
        float[] out = new float[s.length];
        int row = w.length / s.length;
        float h = 1 << (bits - 1);
        for (int i = 0; i < w.length; i++) {
            int c = i / row;
            float v = w[i] / s[c];
            float t = w[i] > s[c] * (h - 1) ? h - 1 : w[i] < -s[c] * h ? -h : (float) Math.rint(v) - v;
            out[c] += Math.abs(t * g[i]);
        }
        return out;
    }
}
