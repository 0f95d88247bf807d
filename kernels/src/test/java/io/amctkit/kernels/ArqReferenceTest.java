package io.amctkit.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** ARQ weight fake quantization, per tensor and per channel, through the raw kernel and the module wrapper. */
class ArqReferenceTest {

    static final JsonNode REF = KernelReference.load("arq_retrain.json");

    static Stream<Arguments> cases() {
        return BackendContract.cross(ScaleOffsetReferenceTest.list(REF.get("cases")));
    }

    static Stream<Arguments> functionCases() {
        return BackendContract.cross(ScaleOffsetReferenceTest.list(REF.get("function_cases")));
    }

    @ParameterizedTest(name = "{0} {index}")
    @MethodSource("cases")
    void forward(String backend, JsonNode c) {
        INDArray w = KernelReference.tensor(REF.get("inputs").get(c.get("input").asText()));
        boolean withOffset = c.get("with_offset").asBoolean();
        ArqWeights.Result r = withOffset   // the pipeline never uses an offset: that variant is the CPU kernel's only
                ? ArqWeights.forward(w, WeightLayout.COUT_FIRST, c.get("num_bits").asInt(), c.get("channel_wise").asBoolean(), true,
                Parallel.sequential())
                : BackendContract.kernels(backend).arq(w, WeightLayout.COUT_FIRST, c.get("num_bits").asInt(), c.get("channel_wise").asBoolean());
        String what = c.get("input").asText() + " bits=" + c.get("num_bits") + " cw=" + c.get("channel_wise") + " off=" + c.get("with_offset");
        KernelReference.assertBits(KernelReference.floats(c.get("scale")), r.factors().scale(), what + " scale");
        assertArrayEquals(KernelReference.ints(c.get("offset")), r.factors().offset(), what + " offset");
        KernelReference.assertBits(KernelReference.floats(c.get("fake_quantized")), KernelReference.values(r.fakeQuantized()), what);
    }

    @ParameterizedTest(name = "{0} {index}")
    @MethodSource("functionCases")
    void moduleForwardAndStraightThroughBackward(String backend, JsonNode c) {
        INDArray w = KernelReference.tensor(c.get("weight"));
        WeightLayout layout = WeightLayout.of(c.get("module_type").asText(), c.has("group") && !c.get("group").isNull() ? c.get("group").asInt() : 1);
        ArqWeights.Result r = BackendContract.kernels(backend).arq(w, layout, c.get("num_bits").asInt(), c.get("channel_wise").asBoolean());
        String what = c.get("module_type").asText() + " cw=" + c.get("channel_wise");
        KernelReference.assertBits(KernelReference.floats(c.get("scale")), r.factors().scale(), what + " scale");
        KernelReference.assertBits(KernelReference.floats(c.get("fake_quantized")), KernelReference.values(r.fakeQuantized()), what);
        assertArrayEquals(KernelReference.shape(c.get("weight")), r.fakeQuantized().shape());
        INDArray grad = ArqWeights.backward(KernelReference.tensor(c.get("grad_output")));
        KernelReference.assertBits(KernelReference.floats(c.get("grad_weight")), KernelReference.values(grad), what + " grad");
    }
}
