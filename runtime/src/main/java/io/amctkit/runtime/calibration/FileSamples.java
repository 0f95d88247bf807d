package io.amctkit.runtime.calibration;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import io.amctkit.runtime.model.ModelException;
import io.amctkit.runtime.model.safetensors.SafetensorsFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Calibration samples from a user's file: a safetensors file with one tensor per model input (named as the input), or
 * a {@code .npy} array for a single-input model; samples are stacked along the first axis, so sample i is slice i with
 * a batch of 1. Float inputs take F32/F64/F16/BF16 data, integer inputs I64/I32.
 */
public final class FileSamples {

    /** An array: its shape (samples first) and values as float or long. */
    record Array(long[] shape, float[] floats, long[] longs) {
        long samples() {
            return shape[0];
        }

        long sampleSize() {
            return Arrays.stream(shape).skip(1).reduce(1, (a, b) -> a * b);
        }
    }

    private FileSamples() {
    }

    /** How many samples the file holds, and a source over them. */
    public static SampleSource source(Path file) {
        return (infos, env) -> {
            Map<String, Array> arrays = read(file, infos);
            long count = arrays.values().stream().mapToLong(Array::samples).min().orElse(0);
            int[] next = {0};
            return () -> {
                if (next[0] >= count) {
                    return null;
                }
                int i = next[0]++;
                Map<String, OnnxTensor> sample = new LinkedHashMap<>();
                for (Map.Entry<String, Array> e : arrays.entrySet()) {
                    sample.put(e.getKey(), slice(env, e.getValue(), i));
                }
                return sample;
            };
        };
    }

    /** Integer class labels, one per sample: a 1-D {@code .npy} array of int64 or int32. */
    public static long[] labels(Path file) {
        if (!file.getFileName().toString().endsWith(".npy")) {
            throw new ModelException(file, "labels are a .npy array of integers, one per evaluation sample");
        }
        Array a = npy(file, false);
        if (a.shape().length != 1 || a.longs() == null) {
            throw new ModelException(file, "labels must be a 1-D integer array (one class index per sample); got shape "
                    + Arrays.toString(a.shape()));
        }
        return a.longs();
    }

    private static OnnxTensor slice(OrtEnvironment env, Array a, int i) throws OrtException {
        long[] shape = a.shape().clone();
        shape[0] = 1;
        int size = (int) a.sampleSize();
        if (a.floats() != null) {
            return OnnxTensor.createTensor(env, FloatBuffer.wrap(a.floats(), i * size, size).slice(), shape);
        }
        return OnnxTensor.createTensor(env, LongBuffer.wrap(a.longs(), i * size, size).slice(), shape);
    }

    static Map<String, Array> read(Path file, Map<String, NodeInfo> inputs) {
        Map<String, Array> out = new LinkedHashMap<>();
        String name = file.getFileName().toString();
        if (name.endsWith(".npy")) {
            if (inputs.size() != 1) {
                throw new ModelException(file, "a .npy file feeds a single-input model; this one has inputs " + inputs.keySet()
                        + ": give a safetensors file with one tensor per input");
            }
            String input = inputs.keySet().iterator().next();
            out.put(input, npy(file, isFloat(inputs.get(input))));
            return out;
        }
        SafetensorsFile st = SafetensorsFile.open(file);
        for (Map.Entry<String, NodeInfo> in : inputs.entrySet()) {
            SafetensorsFile.Entry e = st.entries().get(in.getKey());
            if (e == null) {
                throw new ModelException(file, "has no tensor named after the model input '" + in.getKey() + "' (it has "
                        + st.entries().keySet() + ")");
            }
            if (e.shape().length == 0) {
                throw new ModelException(file, "tensor '" + in.getKey() + "' needs the samples on its first axis");
            }
            if (isFloat(in.getValue())) {
                float[] v = st.read(st.info(in.getKey()).orElseThrow(() -> new ModelException(file, "tensor '" + in.getKey()
                        + "' is " + e.dtype() + "; the input is float"))).data().asFloat();
                out.put(in.getKey(), new Array(e.shape(), v, null));
            } else {
                ByteBuffer raw = st.readRaw(in.getKey());
                out.put(in.getKey(), new Array(e.shape(), null, integers(file, raw, e.dtype())));
            }
        }
        return out;
    }

    private static boolean isFloat(NodeInfo info) {
        return info.getInfo() instanceof TensorInfo t && t.type == OnnxJavaType.FLOAT;
    }

    private static long[] integers(Path file, ByteBuffer raw, String dtype) {
        ByteBuffer b = raw.order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case "I64", "<i8" -> {
                long[] v = new long[b.remaining() / 8];
                b.asLongBuffer().get(v);
                return v;
            }
            case "I32", "<i4" -> {
                long[] v = new long[b.remaining() / 4];
                for (int i = 0; i < v.length; i++) {
                    v[i] = b.getInt(b.position() + 4 * i);
                }
                return v;
            }
            default -> throw new ModelException(file, "integer input data must be I64 or I32; got " + dtype);
        }
    }

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** A NumPy {@code .npy} array (format 1.0–3.0, C order; float32/float64 or int64/int32). */
    static Array npy(Path file, boolean wantFloat) {
        try {
            byte[] all = Files.readAllBytes(file);
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            if (all.length < 10 || (all[0] & 0xff) != 0x93 || !new String(all, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
                throw new ModelException(file, "is not a NumPy .npy file (no \\x93NUMPY magic)");
            }
            int major = all[6];
            int headerLength = major == 1 ? (b.getShort(8) & 0xffff) : b.getInt(8);
            int start = major == 1 ? 10 : 12;
            if (headerLength < 0 || start + headerLength > all.length) {
                throw new ModelException(file, "has a .npy header running past the end of the file");
            }
            String header = new String(all, start, headerLength, StandardCharsets.US_ASCII);
            Matcher d = DESCR.matcher(header);
            Matcher f = FORTRAN.matcher(header);
            Matcher s = SHAPE.matcher(header);
            if (!d.find() || !f.find() || !s.find()) {
                throw new ModelException(file, "has a .npy header without descr, fortran_order and shape: " + header.trim());
            }
            if (f.group(1).equals("True")) {
                throw new ModelException(file, "is in Fortran order; save it C-ordered (numpy.ascontiguousarray)");
            }
            long[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(x -> !x.isEmpty())
                    .mapToLong(Long::parseLong).toArray();
            if (shape.length == 0) {
                throw new ModelException(file, "holds a scalar; stack the samples along the first axis");
            }
            long n = Arrays.stream(shape).reduce(1, (x, y) -> Math.multiplyExact(x, y));
            ByteBuffer data = ByteBuffer.wrap(all, start + headerLength, all.length - start - headerLength).slice().order(ByteOrder.LITTLE_ENDIAN);
            String descr = d.group(1);
            int width = switch (descr) {
                case "<f4", "<i4" -> 4;
                case "<f8", "<i8" -> 8;
                default -> throw new ModelException(file, "dtype " + descr + " is not read; use float32, float64, int64 or int32");
            };
            if (data.remaining() < n * width) {
                throw new ModelException(file, "holds " + data.remaining() + " data bytes, less than shape " + Arrays.toString(shape) + " needs");
            }
            if (wantFloat) {
                if (!descr.startsWith("<f")) {
                    throw new ModelException(file, "holds integers (" + descr + ") for a float input");
                }
                float[] v = new float[(int) n];
                for (int i = 0; i < n; i++) {
                    v[i] = width == 4 ? data.getFloat(4 * i) : (float) data.getDouble(8 * i);
                }
                return new Array(shape, v, null);
            }
            if (!descr.startsWith("<i")) {
                throw new ModelException(file, "holds floats (" + descr + ") for an integer input");
            }
            return new Array(shape, null, integers(file, data, descr));
        } catch (IOException e) {
            throw new ModelException(file, "cannot read: " + e.getMessage(), true, e);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ModelException(file, "has an unreadable .npy shape");
        }
    }
}
