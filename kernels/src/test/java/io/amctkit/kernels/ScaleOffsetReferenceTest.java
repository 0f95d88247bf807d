package io.amctkit.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** calculate_scale_offset, process_scale and fake quantization match AMCT bit for bit. */
class ScaleOffsetReferenceTest {

    static final JsonNode REF = KernelReference.load("calculate_scale_offset.json");

    static Stream<JsonNode> cases() {
        return list(REF.get("cases"));
    }

    static Stream<JsonNode> fakeQuantCases() {
        return list(REF.get("fake_quant_cases"));
    }

    static Stream<JsonNode> processScaleCases() {
        return list(REF.get("process_scale_cases"));
    }

    static Stream<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out.stream();
    }

    static int bits(String dataType) {
        return Integer.parseInt(dataType.replace("INT", ""));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void calculateScaleOffset(JsonNode c) {
        ScaleOffset f = ScaleOffset.calculate(KernelReference.floats(c.get("data_max")), KernelReference.floats(c.get("data_min")),
                c.get("asymmetric").asBoolean(), bits(c.get("data_type").asText()));
        KernelReference.assertBits(KernelReference.floats(c.get("scale")), f.scale(), c.get("name").asText() + " scale");
        assertArrayEquals(KernelReference.ints(c.get("offset")), f.offset(), c.get("name").asText() + " offset");
    }

    @ParameterizedTest
    @MethodSource("fakeQuantCases")
    void fakeQuantizeAndDequantize(JsonNode c) {
        float[] scale = KernelReference.floats(c.get("scale"));
        int[] offset = KernelReference.ints(c.get("offset"));
        ScaleOffset f = new ScaleOffset(scale, offset);
        float[] x = KernelReference.floats(c.get("data"));
        int bits = bits(c.get("data_type").asText());
        if (c.has("quantized_int")) {
            KernelReference.assertBits(KernelReference.floats(c.get("quantized_int")), FakeQuant.levels(x, f, bits), "levels");
        }
        KernelReference.assertBits(KernelReference.floats(c.get("dequantized")), FakeQuant.apply(x, f, bits), "dequantized");
    }

    @ParameterizedTest
    @MethodSource("processScaleCases")
    void processScale(JsonNode c) {
        float[][] out = ScaleOffset.processScale(KernelReference.floats(c.get("scale_in")), KernelReference.floats(c.get("offset_in")),
                c.get("with_offset").asBoolean(), c.get("numbit").asInt());
        KernelReference.assertBits(KernelReference.floats(c.get("scale_out")), out[0], "scale");
        KernelReference.assertBits(KernelReference.floats(c.get("offset_out")), out[1], "offset");
    }
}
