package io.amctkit.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads AMCT's kernel vectors: tensors are {shape, dtype, data} with NaN/±Infinity as strings. */
final class KernelReference {

    static final ObjectMapper JSON = new ObjectMapper();

    private KernelReference() {
    }

    static JsonNode load(String file) {
        Path dir = Path.of(System.getProperty("amctkit.reference", "../../shared/reference")).resolve("kernels");
        try {
            return JSON.readTree(Files.readString(dir.resolve(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("AMCT kernel reference " + dir.resolve(file) + " is missing", e);
        }
    }

    static float f(JsonNode v) {
        if (v.isTextual()) {
            return switch (v.asText()) {
                case "NaN" -> Float.NaN;
                case "Infinity" -> Float.POSITIVE_INFINITY;
                case "-Infinity" -> Float.NEGATIVE_INFINITY;
                default -> throw new IllegalArgumentException("not a number: " + v);
            };
        }
        return (float) v.asDouble();
    }

    /** A float vector: a list, a scalar, or a tensor's data. */
    static float[] floats(JsonNode v) {
        if (v.isObject() && v.has("data")) {
            return floats(v.get("data"));
        }
        if (!v.isArray()) {
            return new float[]{f(v)};
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = f(v.get(i));
        }
        return out;
    }

    static int[] ints(JsonNode v) {
        float[] f = floats(v);
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = (int) f[i];
        }
        return out;
    }

    static long[] shape(JsonNode tensor) {
        JsonNode s = tensor.get("shape");
        long[] out = new long[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.get(i).asLong();
        }
        return out;
    }

    static INDArray tensor(JsonNode tensor) {
        long[] shape = shape(tensor);
        return Tensors.of(floats(tensor.get("data")), shape.length == 0 ? new long[]{1} : shape);
    }

    static float[] values(INDArray a) {
        return Tensors.asFloat32(a).data().asFloat().length == a.length()
                ? Tensors.asFloat32(a).data().asFloat() : Tensors.asFloat32(a).dup().data().asFloat();
    }

    /** Bit-for-bit equality of float32 vectors (NaN equals NaN; -0.0 equals 0.0 as torch prints both). */
    static void assertBits(float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            boolean same = Float.floatToIntBits(expected[i]) == Float.floatToIntBits(actual[i])
                    || (expected[i] == 0f && actual[i] == 0f);
            if (!same) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + " (0x"
                        + Integer.toHexString(Float.floatToIntBits(expected[i])) + ") but was " + actual[i] + " (0x"
                        + Integer.toHexString(Float.floatToIntBits(actual[i])) + ")");
            }
        }
    }
}
