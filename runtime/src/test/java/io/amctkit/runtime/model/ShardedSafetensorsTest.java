package io.amctkit.runtime.model;

import io.amctkit.runtime.model.safetensors.ShardedSafetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sharded checkpoint in the LLaMA layout (three shards, F32, F16 and BF16, the index's weight_map sorted by name as
 * transformers writes it) read as one model, by its folder or its index; and each way an index and its shards can
 * disagree, named with both files.
 */
class ShardedSafetensorsTest {

    @TempDir
    Path dir;

    /** {@code n} half-precision ones (F16 0x3c00, BF16 0x3f80). */
    private static byte[] ones(String dtype, int n) {
        ByteBuffer b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putShort((short) (dtype.equals("F16") ? 0x3c00 : 0x3f80));
        }
        return b.array();
    }

    /** Three shards of a one-block LLaMA (hidden 16, MLP 32, vocabulary 32) and their index. */
    private Path llama(Path folder) throws IOException {
        Files.createDirectories(folder);
        String p = "model.layers.0.";
        new SafetensorsWriter().f32("model.embed_tokens.weight", 0.5f, 32, 16)
                .raw(p + "self_attn.q_proj.weight", "F16", ones("F16", 256), 16, 16)
                .raw(p + "self_attn.k_proj.weight", "BF16", ones("BF16", 128), 8, 16)
                .write(folder.resolve("model-00001-of-00003.safetensors"));
        new SafetensorsWriter().raw(p + "self_attn.v_proj.weight", "BF16", ones("BF16", 128), 8, 16)
                .raw(p + "self_attn.o_proj.weight", "BF16", ones("BF16", 256), 16, 16)
                .raw(p + "mlp.gate_proj.weight", "BF16", ones("BF16", 512), 32, 16)
                .raw(p + "mlp.up_proj.weight", "BF16", ones("BF16", 512), 32, 16)
                .raw(p + "mlp.down_proj.weight", "BF16", ones("BF16", 512), 16, 32)
                .raw(p + "input_layernorm.weight", "BF16", ones("BF16", 16), 16)
                .write(folder.resolve("model-00002-of-00003.safetensors"));
        new SafetensorsWriter().f32("model.norm.weight", 1f, 16).f32("lm_head.weight", 0.25f, 32, 16)
                .write(folder.resolve("model-00003-of-00003.safetensors"));
        Map<String, String> map = new TreeMap<>();   // transformers writes the weight_map sorted by name
        map.put("model.embed_tokens.weight", "model-00001-of-00003.safetensors");
        for (String t : List.of("self_attn.q_proj.weight", "self_attn.k_proj.weight")) {
            map.put(p + t, "model-00001-of-00003.safetensors");
        }
        for (String t : List.of("self_attn.v_proj.weight", "self_attn.o_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
                "mlp.down_proj.weight", "input_layernorm.weight")) {
            map.put(p + t, "model-00002-of-00003.safetensors");
        }
        map.put("model.norm.weight", "model-00003-of-00003.safetensors");
        map.put("lm_head.weight", "model-00003-of-00003.safetensors");
        return writeIndex(folder, map);
    }

    private static Path writeIndex(Path folder, Map<String, String> map) throws IOException {
        StringBuilder json = new StringBuilder("{\n  \"metadata\": {\"total_size\": 0},\n  \"weight_map\": {");
        String sep = "\n";
        for (Map.Entry<String, String> e : map.entrySet()) {
            json.append(sep).append("    \"").append(e.getKey()).append("\": \"").append(e.getValue()).append('"');
            sep = ",\n";
        }
        return Files.writeString(folder.resolve(ShardedSafetensors.INDEX), json.append("\n  }\n}\n"));
    }

    @Test
    void aShardedCheckpointIsOneModelByItsFolderOrItsIndex() throws IOException {
        Path index = llama(dir.resolve("llama"));
        for (Path given : List.of(dir.resolve("llama"), index)) {
            try (Model m = Models.open(given)) {
                assertEquals(List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
                                "model.layers.0.self_attn.v_proj", "model.layers.0.self_attn.o_proj", "model.layers.0.mlp.gate_proj",
                                "model.layers.0.mlp.up_proj", "model.layers.0.mlp.down_proj", "lm_head"),
                        m.layers().stream().map(ModelLayer::name).toList(), "shard order, each shard's file order");
                assertTrue(m.layers().stream().allMatch(l -> l.type().equals("Linear")));
                assertEquals(List.of("model.embed_tokens.weight", "model.layers.0.input_layernorm.weight", "model.norm.weight"),
                        m.unsupported().stream().map(Unsupported::origin).toList(), "embeddings and norms are not layers");
                assertTrue(m.notes().get(0).startsWith("sharded safetensors: 3 shard(s) from model.safetensors.index.json"), m.notes().get(0));
                float[] q = m.weight(m.layer("model.layers.0.self_attn.q_proj").orElseThrow()).data().asFloat();
                assertEquals(256, q.length);
                for (float v : q) {
                    assertEquals(1f, v, "F16 ones");
                }
                float[] down = m.weight(m.layer("model.layers.0.mlp.down_proj").orElseThrow()).data().asFloat();
                for (float v : down) {
                    assertEquals(1f, v, "BF16 ones");
                }
                float[] head = m.weight(m.layer("lm_head").orElseThrow()).data().asFloat();
                assertArrayEquals(new float[]{0f, 0.25f, 0.5f}, java.util.Arrays.copyOf(head, 3), "F32 from the third shard");
            }
        }
    }

    /** As a user first tries it: {@code layers FOLDER} and {@code layers model.safetensors.index.json}. */
    @Test
    void layersListsEveryShardsLinearsByFolderOrIndex() throws IOException {
        Path index = llama(dir.resolve("cli"));
        for (String given : List.of(dir.resolve("cli").toString(), index.toString())) {
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            int exit = io.amctkit.cli.Main.run(new java.io.PrintWriter(out), new java.io.PrintWriter(err), "layers", given);
            assertEquals(0, exit, err.toString());
            for (String layer : List.of("model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj", "lm_head")) {
                assertTrue(out.toString().contains(layer), layer + "\n" + out);
            }
        }
    }

    /**
     * {@code report --seed quant} on the BF16 checkpoint: the summary names the stored type and measures compression
     * from it (INT8 weights from BF16 halve the size: 2×, not the 4× a float32 baseline would claim).
     */
    @Test
    void aReportMeasuresCompressionFromTheStoredType() throws IOException {
        Path folder = dir.resolve("bf16");
        Files.createDirectories(folder);
        new SafetensorsWriter().raw("model.layers.0.mlp.up_proj.weight", "BF16", ones("BF16", 64 * 32), 64, 32)
                .write(folder.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().raw("model.layers.0.mlp.down_proj.weight", "BF16", ones("BF16", 32 * 64), 32, 64)
                .write(folder.resolve("model-00002-of-00002.safetensors"));
        writeIndex(folder, Map.of("model.layers.0.mlp.up_proj.weight", "model-00001-of-00002.safetensors",
                "model.layers.0.mlp.down_proj.weight", "model-00002-of-00002.safetensors"));
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = io.amctkit.cli.Main.run(new java.io.PrintWriter(out), new java.io.PrintWriter(err), "report", "--model",
                folder.toString(), "--seed", "quant", "--format", "json");
        assertEquals(0, exit, err.toString());
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString());
        assertEquals("BF16", json.findValue("stored_types").asText(), out.toString());
        assertEquals(2 * 4096L, json.findValue("bytes_before").asLong(), "two bytes per BF16 weight");
        assertEquals(4096L, json.findValue("bytes_after").asLong(), "one byte per INT8 weight");
    }

    private ModelException refused(Path index) {
        return assertThrows(ModelException.class, () -> Models.open(index));
    }

    @Test
    void anIndexAndItsShardsThatDisagreeAreClearErrorsNamingTheFiles() throws IOException {
        Path index = llama(dir.resolve("a"));
        String good = Files.readString(index);

        Files.delete(index.resolveSibling("model-00002-of-00003.safetensors"));
        ModelException missing = refused(index);
        assertTrue(missing.getMessage().startsWith(index.toString()) && missing.getMessage().contains(
                "names the shard model-00002-of-00003.safetensors, which is missing"), missing.getMessage());

        Path b = llama(dir.resolve("b"));
        Files.writeString(b, good.replace("\"lm_head.weight\": \"model-00003-of-00003.safetensors\"",
                "\"lm_head.weight\": \"./model-00003-of-00003.safetensors\""));
        assertTrue(refused(b).getMessage().contains("lists the shard model-00003-of-00003.safetensors twice"), refused(b).getMessage());

        Path c = llama(dir.resolve("c"));
        Files.writeString(c, good.replace("\"lm_head.weight\": \"model-00003-of-00003.safetensors\"",
                "\"lm_head.weight\": \"model-00002-of-00003.safetensors\""));
        assertTrue(refused(c).getMessage().contains("maps tensor 'lm_head.weight' to model-00002-of-00003.safetensors, but it is in"
                + " model-00003-of-00003.safetensors"), refused(c).getMessage());

        Path d = llama(dir.resolve("d"));
        new SafetensorsWriter().f32("model.norm.weight", 1f, 16).f32("lm_head.weight", 0.25f, 32, 16)
                .f32("model.layers.0.self_attn.q_proj.weight", 1f, 16, 16)
                .write(d.resolveSibling("model-00003-of-00003.safetensors"));
        assertTrue(refused(d).getMessage().contains("tensor 'model.layers.0.self_attn.q_proj.weight' is in two shards,"
                + " model-00001-of-00003.safetensors and model-00003-of-00003.safetensors"), refused(d).getMessage());

        Path e = llama(dir.resolve("e"));
        Files.writeString(e, good.replace("\"model.norm.weight\"", "\"lm_head.weight\""));
        assertTrue(refused(e).getMessage().contains("Duplicate field 'lm_head.weight'") && refused(e).getMessage().contains(
                "a tensor mapped twice"), refused(e).getMessage());

        Path f = llama(dir.resolve("f"));
        Files.writeString(f, good.replace("\"model.norm.weight\"", "\"model.final_norm.weight\""));
        assertTrue(refused(f).getMessage().contains("maps tensor 'model.final_norm.weight' to model-00003-of-00003.safetensors,"
                + " which does not hold it"), refused(f).getMessage());

        Path g = llama(dir.resolve("g"));
        Files.writeString(g, good.replace("\"lm_head.weight\": \"model-00003-of-00003.safetensors\"",
                "\"lm_head.weight\": \"../elsewhere.safetensors\""));
        assertTrue(refused(g).getMessage().contains("outside the index's folder"), refused(g).getMessage());
    }

    @Test
    void aFolderWithoutAnIndexHoldingOneFileOpensItAndOtherwiseSaysWhatToGive() throws IOException {
        Path one = Files.createDirectories(dir.resolve("one"));
        new SafetensorsWriter().f32("fc.weight", 1f, 4, 8).write(one.resolve("model.safetensors"));
        try (Model m = Models.open(one)) {
            assertEquals(List.of("fc"), m.layers().stream().map(ModelLayer::name).toList());
        }
        new SafetensorsWriter().f32("fc2.weight", 1f, 4, 8).write(one.resolve("other.safetensors"));
        ModelException two = refused(one);
        assertTrue(two.getMessage().contains("is a folder with 2 .safetensors files and no model.safetensors.index.json"),
                two.getMessage());
        ModelException none = refused(Files.createDirectories(dir.resolve("none")));
        assertTrue(none.getMessage().contains("is a folder without a safetensors index or file"), none.getMessage());
    }
}
