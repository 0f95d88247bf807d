package io.amctkit.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The fuzzers' seeds — real files: AMCT's sample configs (../shared/reference/cfg) and the committed
 * {@code fuzz/corpus} (a starter config, a layer manifest, a safetensors file, state_dict pickles), the bundled Fashion
 * CNN, the test checkpoints — and the tokens mutations insert. Crashers found are kept in {@code fuzz/crashers/READER}.
 */
final class FuzzCorpus {

    static final List<byte[]> TEXT_TOKENS = ReadersFuzzTest.all("{", "}", "<", ">", ":", "#", "\"", "'", "\\", "\n",
            "retrain_data_quant_config {", "prune_config {", "override_layer_configs {", "clip_max: ", "1e999", "-0",
            "nan", "inf", "9999999999999999999999", "dst_type: INT4", "\u0000", "\u00ff\u00fe", "\uFEFF", "\"\\x");
    static final List<byte[]> JSON_TOKENS = ReadersFuzzTest.all("{", "}", "[", "]", ",", ":", "\"", "\\u0000", "null",
            "1e999", "-1", "18446744073709551616", "[[[[[[[[", "\"shape\":[", "\"data_offsets\":[0,", "\"dtype\":\"F16\"",
            "\"type\":\"Conv2d\"", "\"name\":\"", "9223372036854775807");
    static final List<byte[]> BINARY_TOKENS = bytes(new byte[]{0}, new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f},
            new byte[]{(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x7f},
            new byte[]{0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}, new byte[]{0x50, 0x4b, 0x03, 0x04},
            new byte[]{0x50, 0x4b, 0x01, 0x02}, new byte[]{0x50, 0x4b, 0x05, 0x06}, "data.pkl".getBytes(), "../".getBytes());
    static final List<byte[]> PICKLE_TOKENS = bytes(new byte[]{'('}, new byte[]{')'}, new byte[]{'}'}, new byte[]{']'},
            new byte[]{'R'}, new byte[]{'b'}, new byte[]{'a'}, new byte[]{'s'}, new byte[]{'u'}, new byte[]{'t'},
            new byte[]{'2'}, new byte[]{'0'}, new byte[]{'1'}, new byte[]{'h', 0}, new byte[]{'q', 0}, new byte[]{(byte) 0x94},
            new byte[]{(byte) 0x93}, new byte[]{'Q'}, new byte[]{(byte) 0x90}, new byte[]{(byte) 0x8f},
            "cos\nsystem\n".getBytes(), "ctorch._utils\n_rebuild_tensor_v2\n".getBytes(),
            new byte[]{'X', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, new byte[]{(byte) 0x8a, (byte) 0xff});

    private FuzzCorpus() {
    }

    static List<byte[]> cfg() {
        List<byte[]> seeds = new ArrayList<>(files(reference().resolve("cfg"), ".cfg"));
        seeds.addAll(corpus(".cfg"));
        return seeds;
    }

    static List<byte[]> manifests() {
        return corpus(".json");
    }

    static List<byte[]> onnx() {
        return List.of(resource("/models/fashion_cnn.onnx"));
    }

    static List<byte[]> safetensors() {
        return corpus(".safetensors");
    }

    static List<byte[]> torch() {
        return List.of(resource("/models/tiny_state_dict.pt"), resource("/models/checkpoint.pt"));
    }

    static List<byte[]> pickles() {
        return corpus(".pkl");
    }

    /** The crashers kept for a reader (none yet is fine). */
    static List<byte[]> crashers(String reader) {
        Path dir = folder("/fuzz/crashers").resolve(reader);
        return Files.isDirectory(dir) ? files(dir, "") : List.of();
    }

    private static List<byte[]> corpus(String suffix) {
        List<byte[]> seeds = files(folder("/fuzz/corpus"), suffix);
        if (seeds.isEmpty()) {
            throw new IllegalStateException("no fuzz seeds ending in " + suffix);
        }
        return seeds;
    }

    private static Path reference() {
        return Path.of(System.getProperty("amctkit.reference", "../../shared/reference"));
    }

    private static Path folder(String resource) {
        try {
            URL url = FuzzCorpus.class.getResource(resource);
            if (url == null) {
                throw new IllegalStateException("test resource " + resource + " missing");
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<byte[]> files(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            List<byte[]> out = new ArrayList<>();
            for (Path p : files.filter(p -> p.toString().endsWith(suffix) && Files.isRegularFile(p)).sorted().toList()) {
                out.add(Files.readAllBytes(p));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = FuzzCorpus.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + name + " missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<byte[]> bytes(byte[]... tokens) {
        return List.of(tokens);
    }
}
