package io.amctkit.runtime.model;

import io.amctkit.runtime.onnx.proto.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.amctkit.runtime.model.OnnxFiles.attr;
import static io.amctkit.runtime.model.OnnxFiles.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX graphs as exporters write them become AMCT's layers, names and graph facts. */
class OnnxModelTest {

    @TempDir
    Path dir;

    /** conv1 → relu → layer1.0.conv1 → (+ conv1's relu) Add → relu → /fc/Gemm; a ConvTranspose and a MatMul head. */
    private Path residualNet() throws IOException {
        return new OnnxFiles()
                .initializer("conv1.weight", 0.01f, 8, 3, 3, 3)
                .initializer("layer1.0.conv1.weight", 0.01f, 8, 8, 3, 3)
                .initializer("onnx::Gemm_7", 0.1f, 4, 8)
                .initializer("up.weight", 0.1f, 8, 2, 2, 2)
                .initializer("onnx::MatMul_9", 0.1f, 4, 6)
                .node("Conv", "/conv1/Conv", in("x", "conv1.weight"), in("c1"))
                .node("Relu", "/relu/Relu", in("c1"), in("r1"))
                .node("Conv", "/layer1/layer1.0/conv1/Conv", in("r1", "layer1.0.conv1.weight"), in("c2"))
                .node("Add", "/layer1/layer1.0/Add", in("c2", "r1"), in("a1"))
                .node("Relu", "/layer1/layer1.0/relu/Relu", in("a1"), in("r2"))
                .node("ConvTranspose", "/up/ConvTranspose", in("r2", "up.weight"), in("u"), attr("group", 2))
                .node("GlobalAveragePool", "/pool/GlobalAveragePool", in("r2"), in("p"))
                .node("Flatten", "/flatten/Flatten", in("p"), in("f"))
                .node("Gemm", "/fc/Gemm", in("f", "onnx::Gemm_7"), in("y"), attr("transB", 1))
                .node("MatMul", "/head/proj/MatMul", in("y", "onnx::MatMul_9"), in("z"))
                .write(dir.resolve("net.onnx"));
    }

    @Test
    void layersGetAmctTypesNamesAndChannels() throws IOException {
        try (Model m = Models.open(residualNet())) {
            assertEquals(ModelFormat.ONNX, m.format());
            assertEquals(List.of("conv1", "layer1.0.conv1", "up", "fc", "head.proj"), m.layers().stream().map(ModelLayer::name).toList());
            assertEquals(List.of("Conv2d", "Conv2d", "ConvTranspose2d", "Linear", "Linear"), m.layers().stream().map(ModelLayer::type).toList());
            ModelLayer conv1 = m.layer("conv1").orElseThrow();
            assertEquals("initializer name", conv1.naming());
            assertEquals(3, conv1.inChannels().getAsInt());
            assertEquals(8, conv1.outChannels().getAsInt());
            assertEquals(List.of(3, 3), conv1.kernel());
            ModelLayer up = m.layer("up").orElseThrow();
            assertEquals(8, up.inChannels().getAsInt(), "ConvTranspose weight is [Cin, Cout/groups, k...]");
            assertEquals(4, up.outChannels().getAsInt());
            assertEquals(2, up.groups().getAsInt());
            ModelLayer fc = m.layer("fc").orElseThrow();
            assertEquals("export scope", fc.naming());
            assertArrayEquals(new long[]{4, 8}, fc.weightShape());
            assertFalse(fc.weightTransposed(), "Gemm transB = 1 stores [out, in]");
            ModelLayer head = m.layer("head.proj").orElseThrow();
            assertTrue(head.weightTransposed(), "MatMul stores [in, out]");
            assertArrayEquals(new long[]{6, 4}, head.weightShape());
            assertEquals(4, head.inChannels().getAsInt());
            assertEquals(6, head.outChannels().getAsInt());
        }
    }

    @Test
    void graphFactsReluInputsProducersConsumersAndCouplings() throws IOException {
        try (Model m = Models.open(residualNet())) {
            Map<String, ModelLayer> by = new java.util.HashMap<>();
            m.layers().forEach(l -> by.put(l.name(), l));
            assertFalse(by.get("conv1").reluInput().orElseThrow(), "conv1 reads the graph input");
            assertTrue(by.get("layer1.0.conv1").reluInput().orElseThrow());
            assertTrue(by.get("up").reluInput().orElseThrow());
            assertFalse(by.get("fc").reluInput().orElseThrow(), "fc reads a Flatten");
            assertEquals(List.of("conv1"), by.get("layer1.0.conv1").producers());
            assertEquals(List.of("layer1.0.conv1", "conv1"), by.get("up").producers(), "through Relu and Add");
            assertEquals(List.of("layer1.0.conv1", "conv1"), by.get("fc").producers(), "through pool and flatten");
            assertEquals(List.of("layer1.0.conv1", "up", "fc"), by.get("conv1").consumers());
            assertEquals(List.of(new Coupling(Coupling.Kind.ADD, List.of("conv1", "layer1.0.conv1"),
                    "Add node '/layer1/layer1.0/Add'")), m.couplings());
        }
    }

    @Test
    void weightsAreReadInPyTorchLayout() throws IOException {
        try (Model m = Models.open(residualNet())) {
            INDArray head = m.weight(m.layer("head.proj").orElseThrow());
            assertArrayEquals(new long[]{6, 4}, head.shape());
            // stored [in=4, out=6] row-major with value 0.1·i: [out o, in k] = 0.1·(k·6 + o)
            assertEquals(0.1f * (2 * 6 + 5), head.getFloat(5, 2), 1e-6f);
            INDArray conv = m.weight(m.layer("conv1").orElseThrow());
            assertArrayEquals(new long[]{8, 3, 3, 3}, conv.shape());
            assertEquals(0.01f * 215, conv.getFloat(7, 2, 2, 2), 1e-6f);
        }
    }

    @Test
    void constantNodesFp16AndRecurrentLayers() throws IOException {
        ByteBuffer half = ByteBuffer.allocate(2 * 12).order(ByteOrder.LITTLE_ENDIAN);
        short[] bits = {0x3c00, (short) 0xc000, 0x3800, 0x0001, (short) 0x8000, 0x7bff, 0, 0, 0, 0, 0, 0};   // 1, -2, .5, 2^-24, -0, 65504
        for (short b : bits) {
            half.putShort(b);
        }
        TensorProto w16 = TensorProto.newBuilder().setName("p2o.conv.w").setDataType(10).addDims(2).addDims(6).addDims(1)
                .setRawData(com.google.protobuf.ByteString.copyFrom(half.array())).build();
        Path file = new OnnxFiles()
                .constant("conv2d_3.w_0", OnnxFiles.tensor("conv2d_3.w_0", 1f, 4, 2, 3))
                .constant("w16", w16)
                .initializer("onnx::LSTM_W", 0.01f, 1, 16, 5)
                .initializer("onnx::LSTM_R", 0.01f, 1, 16, 4)
                .initializer("onnx::GRU_W", 0.01f, 2, 9, 4)
                .initializer("onnx::GRU_R", 0.01f, 2, 9, 3)
                .node("Conv", "p2o.Conv.0", in("x", "conv2d_3.w_0"), in("c"))
                .node("Conv", "", in("c", "w16"), in("d"))
                .node("LSTM", "/lstm/LSTM", in("d", "onnx::LSTM_W", "onnx::LSTM_R"), in("h", "hn", "cn"), attr("hidden_size", 4))
                .node("GRU", "/decoder/rnn/GRU", in("h", "onnx::GRU_W", "onnx::GRU_R"), in("g"), attr("hidden_size", 3))
                .write(dir.resolve("rnn.onnx"));
        try (Model m = Models.open(file)) {
            assertEquals(List.of("conv2d_3", "Conv:d", "lstm", "decoder.rnn"), m.layers().stream().map(ModelLayer::name).toList());
            assertEquals(List.of("Conv1d", "Conv1d", "LSTM", "GRU"), m.layers().stream().map(ModelLayer::type).toList());
            assertEquals("Paddle parameter name", m.layers().get(0).naming());
            assertEquals("node output", m.layers().get(1).naming());
            INDArray w = m.weight(m.layers().get(1));
            assertArrayEquals(new float[]{1f, -2f, 0.5f, 0x1p-24f, -0f, 65504f},
                    java.util.Arrays.copyOf(w.data().asFloat(), 6));
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(w.getFloat(4)));
            ModelLayer lstm = m.layer("lstm").orElseThrow();
            assertEquals(5, lstm.inputSize().getAsInt());
            assertEquals(4, lstm.hiddenSize().getAsInt());
            assertEquals(2, lstm.weights().size(), "W and R");
            ModelLayer gru = m.layer("decoder.rnn").orElseThrow();
            assertEquals(3, gru.hiddenSize().getAsInt());
            assertEquals(List.of("lstm"), gru.producers());
        }
    }

    @Test
    void unsupportedWeightCarryingNodesAreListedAndSharedWeightsOnce() throws IOException {
        Path file = new OnnxFiles()
                .initializer("embeddings.word_embeddings.weight", 1f, 10, 4)
                .initializer("fc.weight", 1f, 3, 4)
                .tensor(io.amctkit.runtime.onnx.proto.TensorProto.newBuilder().setName("ids").setDataType(7).addDims(2).addInt64Data(1).addInt64Data(2).build())
                .node("Gather", "/embeddings/word_embeddings/Gather", in("embeddings.word_embeddings.weight", "ids"), in("e"))
                .node("Gemm", "/fc/Gemm", in("e", "fc.weight"), in("y1"), attr("transB", 1))
                .node("Gemm", "/fc_1/Gemm", in("y1", "fc.weight"), in("y2"), attr("transB", 1))
                .node("Conv", "/dyn/Conv", in("y2", "y1"), in("y3"))
                .write(dir.resolve("misc.onnx"));
        try (Model m = Models.open(file)) {
            assertEquals(List.of("fc"), m.layers().stream().map(ModelLayer::name).toList());
            assertEquals(List.of("Gather", "Conv"), m.unsupported().stream().map(Unsupported::op).toList());
            assertTrue(m.unsupported().get(1).reason().contains("computed at run time"));
            assertTrue(m.notes().get(0).contains("reuses the weight of fc"), m.notes().toString());
        }
    }

    @Test
    void externalDataIsReadInsideTheModelFolderOnly() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(4096 + 4 * 24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 24; i++) {
            data.putFloat(4096 + 4 * i, i);
        }
        Files.write(dir.resolve("weights.bin"), data.array());
        Path ok = new OnnxFiles().tensor(OnnxFiles.external("conv.weight", "weights.bin", 4096, 96, 2, 3, 2, 2))
                .node("Conv", "/conv/Conv", in("x", "conv.weight"), in("y")).write(dir.resolve("ext.onnx"));
        try (Model m = Models.open(ok)) {
            INDArray w = m.weight(m.layer("conv").orElseThrow());
            assertEquals(23f, w.getFloat(1, 2, 1, 1));
        }
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Path escaping = new OnnxFiles().tensor(OnnxFiles.external("conv.weight", "../weights.bin", 4096, 96, 2, 3, 2, 2))
                .node("Conv", "/conv/Conv", in("x", "conv.weight"), in("y")).write(sub.resolve("evil.onnx"));
        ModelException e = assertThrows(ModelException.class, () -> Models.open(escaping));
        assertTrue(e.getMessage().contains("outside the model's folder"), e.getMessage());
        Path missing = new OnnxFiles().tensor(OnnxFiles.external("conv.weight", "gone.bin", 0, 96, 2, 3, 2, 2))
                .node("Conv", "/conv/Conv", in("x", "conv.weight"), in("y")).write(dir.resolve("missing.onnx"));
        ModelException gone = assertThrows(ModelException.class, () -> Models.open(missing));
        assertTrue(gone.getMessage().contains("gone.bin") && gone.getMessage().contains("missing"), gone.getMessage());
    }

    @Test
    void externalDataAtAnAbsolutePathThroughASymlinkOrOutsideItsFileIsAClearError() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("elsewhere"));
        Files.write(outside.resolve("secret.bin"), new byte[4096]);
        Path folder = Files.createDirectories(dir.resolve("model"));
        Files.write(folder.resolve("weights.bin"), new byte[4096]);
        Files.createSymbolicLink(folder.resolve("link.bin"), outside.resolve("secret.bin"));
        java.util.Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put(outside.resolve("secret.bin").toString() + "|0|96", "absolute path");
        cases.put("link.bin|0|96", "outside the model's folder");
        cases.put("weights.bin|5000|96", "offset 5000 is outside weights.bin (4096 bytes)");
        cases.put("weights.bin|4000|960", "reads bytes 4000..4960 of weights.bin, which has only 4096");
        cases.put("weights.bin|8|" + Long.MAX_VALUE, "which has only 4096");
        cases.put("weights.bin|0|-96", "length -96 is negative");
        cases.put("weights.bin|-1|96", "offset -1 is outside");
        int i = 0;
        for (var c : cases.entrySet()) {
            String[] f = c.getKey().split("\\|");
            Path file = new OnnxFiles().tensor(OnnxFiles.external("conv.weight", f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), 2, 3, 2, 2))
                    .node("Conv", "/conv/Conv", in("x", "conv.weight"), in("y")).write(folder.resolve("m" + i++ + ".onnx"));
            ModelException e = assertThrows(ModelException.class, () -> {
                try (Model m = Models.open(file)) {
                    m.weight(m.layer("conv").orElseThrow()).close();
                }
            }, c.getKey());
            assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(c.getValue()), c.getKey() + ": " + e.getMessage());
        }
    }

    @Test
    void lyingShapesAndGarbageAreClearErrors() throws IOException {
        TensorProto lying = OnnxFiles.tensor("conv.weight", 1f, 2, 3).toBuilder().clearDims().addDims(2).addDims(3).addDims(1000).build();
        Path file = new OnnxFiles().tensor(lying).node("Conv", "/conv/Conv", in("x", "conv.weight"), in("y")).write(dir.resolve("lie.onnx"));
        ModelException e = assertThrows(ModelException.class, () -> Models.open(file));
        assertTrue(e.getMessage().startsWith(file + ": tensor 'conv.weight' has shape [2, 3, 1000]"), e.getMessage());
        TensorProto absurd = lying.toBuilder().clearDims().addDims(1L << 40).addDims(1L << 40).build();
        Path huge = new OnnxFiles().tensor(absurd).node("MatMul", "/m/MatMul", in("x", "conv.weight"), in("y")).write(dir.resolve("huge.onnx"));
        ModelException h = assertThrows(ModelException.class, () -> Models.open(huge));
        assertTrue(h.getMessage().contains("more than"), h.getMessage());
        Path garbage = Files.write(dir.resolve("garbage.onnx"), "this is not a protobuf at all \u0000\u00ff".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        ModelException g = assertThrows(ModelException.class, () -> Models.open(garbage));
        assertTrue(g.getMessage().startsWith(garbage.toString()), g.getMessage());
    }
}
