package io.amctkit.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amctkit.dsl.resolve.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** safetensors files and PyTorch state_dicts (made by torch 1.13, see make_torch_fixtures.py) as layers and weights. */
class NamedTensorModelsTest {

    @TempDir
    Path dir;

    private Path resource(String name) throws IOException {
        Path target = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/models/" + name)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    @Test
    void torchStateDictLayersAreInferredFromShapesAndSay() throws IOException {
        try (Model m = Models.open(resource("tiny_state_dict.pt"))) {
            assertEquals(ModelFormat.PYTORCH, m.format());
            assertEquals(List.of("conv1:Conv2d", "dw:Conv2d", "rnn:LSTM", "gru:GRU", "head:Linear", "half_proj:Linear",
                    "view_proj:Linear"), m.layers().stream().map(l -> l.name() + ":" + l.type()).toList());
            ModelLayer rnn = m.layer("rnn").orElseThrow();
            assertEquals(4, rnn.inputSize().getAsInt());
            assertEquals(6, rnn.hiddenSize().getAsInt());
            assertTrue(rnn.evidence().contains("4 gates"), rnn.evidence());
            assertTrue(m.layer("dw").orElseThrow().evidence().contains("groups assumed 1"));
            assertTrue(m.unsupported().stream().anyMatch(u -> u.origin().equals("embed_tokens.weight")), m.unsupported().toString());
            assertTrue(m.unsupported().stream().anyMatch(u -> u.origin().equals("bn.weight")));
            assertTrue(m.layers().stream().allMatch(l -> l.reluInput().isEmpty()), "no graph, no ReLU facts");
        }
    }

    @Test
    void torchTensorsEqualWhatTorchSaved() throws IOException {
        JsonNode expected = new ObjectMapper().readTree(getClass().getResourceAsStream("/models/tiny_expected.json"));
        try (Model m = Models.open(resource("tiny_state_dict.pt"))) {
            int checked = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                long[] shape = new ObjectMapper().convertValue(e.getValue().get("shape"), long[].class);
                INDArray t = m.read(new TensorInfo(e.getKey(), e.getKey().startsWith("half") ? DType.F16 : DType.F32, shape));
                assertArrayEquals(shape, t.shape(), e.getKey());
                // every value, in row-major order as torch indexes the tensor (for the transposed view too)
                float[] actual = t.dup('c').data().asFloat();
                JsonNode values = e.getValue().get("values");
                assertEquals(values.size(), actual.length, e.getKey());
                for (int i = 0; i < actual.length; i++) {
                    assertEquals((float) values.get(i).asDouble(), actual[i], e.getKey() + "[" + i + "]");
                }
                checked++;
            }
            assertEquals(expected.size(), checked);
            // the transposed view: torch saved storage [4, 5] with stride (1, 5) for shape [5, 4]; its values were
            // compared above in torch's own order, so reading the storage as if contiguous would have failed
            INDArray view = m.weight(m.layer("view_proj").orElseThrow());
            assertArrayEquals(new long[]{5, 4}, view.shape());
            float[] v = view.dup('c').data().asFloat();
            JsonNode torchOrder = expected.get("view_proj.weight").get("values");
            assertEquals((float) torchOrder.get(1).asDouble(), v[1], "element [0][1] is storage[5], not storage[1]");
        }
    }

    @Test
    void aTrainingCheckpointYieldsItsStateDict() throws IOException {
        try (Model m = Models.open(resource("checkpoint.pt"))) {
            assertEquals(7, m.layers().size());
            assertTrue(m.notes().contains("the state_dict is the checkpoint's 'state_dict' entry"), m.notes().toString());
        }
    }

    @Test
    void aMaliciousPickleIsRefusedAndNothingRuns() throws IOException {
        Path marker = Path.of("/tmp/amctkit-pickle-was-executed");
        Files.deleteIfExists(marker);
        Path evil = resource("malicious.pt");
        ModelException e = assertThrows(ModelException.class, () -> Models.open(evil));
        assertTrue(e.getMessage().contains("'posix.system'") || e.getMessage().contains("'os.system'"), e.getMessage());
        assertTrue(e.getMessage().contains("never executes code"), e.getMessage());
        assertFalse(Files.exists(marker), "the pickle's payload ran");
    }

    @Test
    void aManifestGivesTheTypesOfAGraphLessModel() throws IOException {
        Path file = new SafetensorsWriter().f32("up.weight", 1f, 8, 4, 2, 2).f32("fc.weight", 1f, 3, 8)
                .write(dir.resolve("m.safetensors"));
        List<Layer> manifest = List.of(Layer.of("up", "ConvTranspose2d", 8, 4, 1));
        try (Model m = Models.open(file, Optional.of(manifest))) {
            assertEquals(ModelFormat.SAFETENSORS, m.format());
            assertEquals("ConvTranspose2d", m.layer("up").orElseThrow().type());
            assertTrue(m.layer("up").orElseThrow().evidence().startsWith("from the layer manifest"));
            assertEquals("Linear", m.layer("fc").orElseThrow().type());
        }
    }

    @Test
    void safetensorsF16AndBf16DecodeExactly() throws IOException {
        ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3c00).putShort((short) 0xc000)
                .putShort((short) 0x0400).putShort((short) 0x7c00);
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3f80).putShort((short) 0xbf00)
                .putShort((short) 0x4049).putShort((short) 0xff80);
        Path file = new SafetensorsWriter().raw("a.weight", "F16", h.array(), 2, 2).raw("b.weight", "BF16", b.array(), 2, 2)
                .raw("step", "I64", new byte[8], 1).write(dir.resolve("half.safetensors"));
        try (Model m = Models.open(file)) {
            assertArrayEquals(new float[]{1f, -2f, 0x1p-14f, Float.POSITIVE_INFINITY}, m.weight(m.layer("a").orElseThrow()).data().asFloat());
            assertArrayEquals(new float[]{1f, -0.5f, 3.140625f, Float.NEGATIVE_INFINITY}, m.weight(m.layer("b").orElseThrow()).data().asFloat());
        }
    }

    @Test
    void lyingSafetensorsHeadersAreClearErrors() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().f32("fc.weight", 1f, 3, 4);
        String good = w.header();
        String[][] cases = {
                {good.replace("[3,4]", "[3,5]"), "but its data_offsets span 48 bytes"},
                {good.replace("[0,48]", "[0,4800]"), "outside the 48-byte data"},
                {good.replace("[0,48]", "[-8,40]"), "outside the 48-byte data"},
                {good.replace("[0,48]", "[48,0]"), "outside the 48-byte data"},
                {good.replace("[0,48]", "[0,18446744073709551616]"), "outside the 48-byte data"},
                {good.replace("[3,4]", "[4611686018427387904,4]"), "absurd shape"},
                {good.substring(0, good.length() - 3), "not valid JSON"},
                {"[1,2]", "not a JSON object"},
                {good.replace("\"dtype\":\"F32\",", ""), "needs \"dtype\""}};
        for (String[] c : cases) {
            Path f = w.write(dir.resolve("bad.safetensors"), c[0]);
            ModelException e = assertThrows(ModelException.class, () -> Models.open(f), c[0]);
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(c[1]), e.getMessage());
        }
        Path overlap = new SafetensorsWriter().f32("a.weight", 1f, 2, 2).f32("b.weight", 1f, 2, 2).write(dir.resolve("o.safetensors"),
                new SafetensorsWriter().f32("a.weight", 1f, 2, 2).f32("b.weight", 1f, 2, 2).header().replace("[16,32]", "[8,24]"));
        assertTrue(assertThrows(ModelException.class, () -> Models.open(overlap)).getMessage().contains("overlap"));
        Path lyingSize = dir.resolve("size.safetensors");
        Files.write(lyingSize, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertTrue(assertThrows(ModelException.class, () -> Models.open(lyingSize)).getMessage().contains("-byte header in a 16-byte file"));
    }
}
