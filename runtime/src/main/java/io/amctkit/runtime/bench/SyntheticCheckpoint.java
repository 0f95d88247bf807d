package io.amctkit.runtime.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.amctkit.dsl.internal.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes a synthetic sharded BF16 checkpoint in the Hugging Face LLaMA layout ({@code model.embed_tokens}, per block
 * {@code self_attn.q/k/v/o_proj}, {@code mlp.gate/up/down_proj} and two norms, {@code model.norm}, {@code lm_head}),
 * shards of at most {@code shardBytes} named {@code model-0000k-of-0000N.safetensors} and the
 * {@code model.safetensors.index.json} beside them — for measuring amctkit on LLM-size checkpoints without downloading
 * one. Weights are Gaussian (σ = 0.02, as LLaMA initialises them), drawn from a fixed seed through a 64 K-entry table,
 * so the same shape always gives the same bytes.
 */
public final class SyntheticCheckpoint {

    /** The model's shape: LLaMA-2-7B is {@code new Shape(32, 4096, 11008, 32000)}. */
    public record Shape(int blocks, int hidden, int intermediate, int vocab) {
        public Shape {
            if (blocks < 1 || hidden < 1 || intermediate < 1 || vocab < 1) {
                throw new IllegalArgumentException("blocks, hidden, intermediate and vocab must be positive: " + this);
            }
        }

        public static final Shape LLAMA_7B = new Shape(32, 4096, 11008, 32000);

        /** Every tensor in the order Hugging Face writes them: name and shape. */
        public List<Tensor> tensors() {
            List<Tensor> out = new ArrayList<>();
            out.add(new Tensor("model.embed_tokens.weight", vocab, hidden));
            for (int b = 0; b < blocks; b++) {
                String p = "model.layers." + b + ".";
                out.add(new Tensor(p + "input_layernorm.weight", hidden));
                for (String proj : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                    out.add(new Tensor(p + "self_attn." + proj + ".weight", hidden, hidden));
                }
                out.add(new Tensor(p + "mlp.gate_proj.weight", intermediate, hidden));
                out.add(new Tensor(p + "mlp.up_proj.weight", intermediate, hidden));
                out.add(new Tensor(p + "mlp.down_proj.weight", hidden, intermediate));
                out.add(new Tensor(p + "post_attention_layernorm.weight", hidden));
            }
            out.add(new Tensor("model.norm.weight", hidden));
            out.add(new Tensor("lm_head.weight", vocab, hidden));
            return out;
        }

        /** Bytes of all weights in BF16. */
        public long bytes() {
            return tensors().stream().mapToLong(Tensor::bytes).sum();
        }
    }

    /** One tensor: its name and dimensions. */
    public record Tensor(String name, long... shape) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        public long bytes() {
            return 2 * elements();
        }
    }

    /** What was written: the index, the shards, and the bytes of weights. */
    public record Written(Path index, List<Path> shards, long weightBytes) {
    }

    private static final int CHUNK = 8 << 20;

    private SyntheticCheckpoint() {
    }

    /**
     * Writes the checkpoint into {@code folder} (created if needed; files there with the same names are replaced).
     * Each shard is written to a temp file and moved into place, the index last, so an interrupted run leaves no index.
     */
    public static Written write(Path folder, Shape shape, long shardBytes) throws IOException {
        if (shardBytes < 1) {
            throw new IllegalArgumentException("the shard size must be positive");
        }
        Files.createDirectories(folder);
        List<List<Tensor>> shards = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long size = 0;
        for (Tensor t : shape.tensors()) {
            if (!current.isEmpty() && size + t.bytes() > shardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += t.bytes();
        }
        shards.add(current);
        short[] table = gaussianTable();
        Random random = new Random(20261130L);
        Map<String, String> weightMap = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>();
        for (int s = 0; s < shards.size(); s++) {
            String name = String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
            Path file = folder.resolve(name);
            writeShard(file, shards.get(s), table, random);
            shards.get(s).forEach(t -> weightMap.put(t.name(), name));
            files.add(file);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = json.createObjectNode();
        index.putObject("metadata").put("total_size", shape.bytes());
        ObjectNode map = index.putObject("weight_map");
        weightMap.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> map.put(e.getKey(), e.getValue()));
        Path indexFile = folder.resolve("model.safetensors.index.json");
        AtomicFiles.writeString(indexFile, json.writerWithDefaultPrettyPrinter().writeValueAsString(index) + "\n", true);
        return new Written(indexFile, files, shape.bytes());
    }

    private static void writeShard(Path file, List<Tensor> tensors, short[] table, Random random) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Tensor t : tensors) {
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", "BF16");
            var dims = e.putArray("shape");
            for (long d : t.shape()) {
                dims.add(d);
            }
            e.putArray("data_offsets").add(offset).add(offset + t.bytes());
            offset += t.bytes();
        }
        byte[] head = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (head.length + 7) / 8 * 8;   // the data starts 8-byte aligned, as the safetensors writer leaves it
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(head);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".part");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(out, prefix.flip());
                ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                for (Tensor t : tensors) {
                    boolean norm = t.shape().length == 1;
                    long left = t.elements();
                    while (left > 0) {
                        int count = (int) Math.min(left, CHUNK / 2);
                        chunk.clear();
                        if (norm) {
                            for (int i = 0; i < count; i++) {
                                chunk.putShort((short) 0x3f80);   // 1.0: norms start at one
                            }
                        } else {
                            fill(chunk, count, table, random);
                        }
                        writeFully(out, chunk.flip());
                        left -= count;
                    }
                }
            }
            try {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException notPosix) {
                // the temporary file keeps the system's default permissions
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** {@code count} BF16 values, four table lookups per 64-bit random draw. */
    private static void fill(ByteBuffer chunk, int count, short[] table, Random random) {
        int i = 0;
        while (i < count) {
            long bits = random.nextLong();
            for (int k = 0; k < 4 && i < count; k++, i++) {
                chunk.putShort(table[(int) (bits >>> (16 * k)) & 0xffff]);
            }
        }
    }

    /** 65 536 BF16 values of N(0, 0.02²) at evenly spaced quantiles (so every draw is a proper Gaussian sample). */
    static short[] gaussianTable() {
        short[] table = new short[1 << 16];
        for (int i = 0; i < table.length; i++) {
            double p = (i + 0.5) / table.length;
            float v = (float) (0.02 * inverseNormal(p));
            table[i] = (short) (Float.floatToRawIntBits(v) >>> 16);
        }
        return table;
    }

    /** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
    static double inverseNormal(double p) {
        double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                -3.066479806614716e+01, 2.506628277459239e+00};
        double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                -1.328068155288572e+01};
        double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549671010422128e+00,
                4.374664141464968e+00, 2.938163982698783e+00};
        double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double low = 0.02425;
        if (p < low) {
            double q = Math.sqrt(-2 * Math.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) {
            return -inverseNormal(1 - p);
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }

    private static void writeFully(FileChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }
}
