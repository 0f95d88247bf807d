package io.amctkit.runtime.model;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes safetensors files for the tests (header JSON + little-endian data), including deliberately broken ones. */
public final class SafetensorsWriter {

    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, String> dtypes = new LinkedHashMap<>();
    private final Map<String, byte[]> data = new LinkedHashMap<>();

    /** An F32 tensor with values {@code i * scale}. */
    public SafetensorsWriter f32(String name, float scale, long... shape) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(i * scale);
        }
        return raw(name, "F32", b.array(), shape);
    }

    public SafetensorsWriter raw(String name, String dtype, byte[] bytes, long... shape) {
        shapes.put(name, shape);
        dtypes.put(name, dtype);
        data.put(name, bytes);
        return this;
    }

    String header() {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long at = 0;
        for (String name : shapes.keySet()) {
            long len = data.get(name).length;
            h.append(",\"").append(name).append("\":{\"dtype\":\"").append(dtypes.get(name)).append("\",\"shape\":[")
                    .append(Arrays.stream(shapes.get(name)).mapToObj(String::valueOf).collect(Collectors.joining(",")))
                    .append("],\"data_offsets\":[").append(at).append(',').append(at + len).append("]}");
            at += len;
        }
        return h.append('}').toString();
    }

    public Path write(Path file) throws IOException {
        return write(file, header());
    }

    /** Writes with a given header text (for broken headers). */
    Path write(Path file, String header) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            for (byte[] d : data.values()) {
                out.write(d);
            }
        }
        return file;
    }
}
