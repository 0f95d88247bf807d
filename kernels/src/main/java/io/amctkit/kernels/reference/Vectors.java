package io.amctkit.kernels.reference;

import com.fasterxml.jackson.databind.JsonNode;
import io.amctkit.kernels.Tensors;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/** Decoding and comparing AMCT's reference values: tensors {shape, dtype, data}, NaN/±Infinity as strings. */
final class Vectors {

    private Vectors() {
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
        return Tensors.asFloat32(a).dup('c').data().asFloat();
    }

    /** Null when bit-identical (NaN equals NaN; −0 equals 0, as torch prints both), else where they differ. */
    static String bits(float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            return what + ": " + actual.length + " values, expected " + expected.length;
        }
        for (int i = 0; i < expected.length; i++) {
            boolean same = Float.floatToIntBits(expected[i]) == Float.floatToIntBits(actual[i]) || (expected[i] == 0f && actual[i] == 0f);
            if (!same) {
                return what + "[" + i + "]: expected " + expected[i] + " (0x" + Integer.toHexString(Float.floatToIntBits(expected[i]))
                        + ") but got " + actual[i] + " (0x" + Integer.toHexString(Float.floatToIntBits(actual[i])) + ")";
            }
        }
        return null;
    }

    static String ints(int[] expected, int[] actual, String what) {
        return Arrays.equals(expected, actual) ? null : what + ": expected " + Arrays.toString(expected) + " but got " + Arrays.toString(actual);
    }

    static String equal(float expected, float actual, String what) {
        return bits(new float[]{expected}, new float[]{actual}, what);
    }

    /** Null when |expected − actual| ≤ 1e-6·magnitude (+1 ulp): a documented reduction-order tolerance. */
    static String close(float expected, float actual, double magnitude, String what) {
        double tolerance = 1e-6 * magnitude + Math.ulp(expected);
        return Math.abs(expected - actual) <= tolerance ? null
                : what + ": expected " + expected + " but got " + actual + " (reduction-order tolerance " + tolerance + ")";
    }

    /** The first non-null failure. */
    static String first(String... failures) {
        for (String f : failures) {
            if (f != null) {
                return f;
            }
        }
        return null;
    }
}
