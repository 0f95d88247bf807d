package io.amctkit.bench;

import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.Models;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Peak memory of streaming a large model: {@code write FILE [GiB]} generates a safetensors file of 64 MiB Linear
 * weights; {@code read FILE} (in a fresh JVM) opens it and runs ARQ per-channel on every layer one weight at a time,
 * then prints the peak resident set (VmHWM) against the bound of 2 × the largest tensor + 200 MB.
 */
public final class StreamingMemory {

    private static final int ROWS = 4096;
    private static final int COLS = 4096;

    private StreamingMemory() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[1]);
        if (args[0].equals("write")) {
            write(file, args.length > 2 ? Integer.parseInt(args[2]) : 1);
        } else {
            read(file);
        }
    }

    private static void write(Path file, int gib) throws IOException {
        int tensors = gib * 16;
        long bytes = 4L * ROWS * COLS;
        StringBuilder header = new StringBuilder("{");
        for (int i = 0; i < tensors; i++) {
            header.append(i == 0 ? "" : ",").append("\"layers.").append(i).append(".weight\":{\"dtype\":\"F32\",\"shape\":[")
                    .append(ROWS).append(',').append(COLS).append("],\"data_offsets\":[").append(i * bytes).append(',')
                    .append((i + 1) * bytes).append("]}");
        }
        byte[] h = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        Random random = new Random(1);
        ByteBuffer row = ByteBuffer.allocate(4 * COLS).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            for (long r = 0; r < (long) tensors * ROWS; r++) {
                row.clear();
                for (int c = 0; c < COLS; c++) {
                    row.putFloat((float) random.nextGaussian() * 0.05f);
                }
                out.write(row.array());
            }
        }
        System.out.printf("wrote %s: %d tensors of [%d, %d] float32, %.2f GiB%n", file, tensors, ROWS, COLS,
                Files.size(file) / (double) (1L << 30));
    }

    private static void read(Path file) throws IOException {
        org.nd4j.linalg.factory.Nd4j.create(new float[]{1f}, new long[]{1}).close();   // load ND4J's native libraries
        long baseline = peakKib();
        Kernels kernels = Backends.select().kernels(Runtime.getRuntime().availableProcessors());
        long largest = 0;
        double checksum = 0;
        int layers = 0;
        try (Model m = Models.open(file)) {
            for (ModelLayer layer : m.layers()) {
                largest = Math.max(largest, layer.weight().elements() * 4);
                INDArray w = m.weight(layer);
                INDArray q = kernels.arq(w, io.amctkit.kernels.WeightLayout.COUT_FIRST, 8, true).fakeQuantized();
                checksum += q.getFloat(0);
                q.close();
                w.close();
                layers++;
            }
        }
        long peak = peakKib();
        double boundMib = 2.0 * largest / (1 << 20) + 200;
        System.out.printf("read %d layers of %s (%.2f GiB): peak RSS %.0f MiB (JVM with ND4J loaded, before reading: %.0f MiB);"
                        + " bound 2 × %.0f MiB + 200 MiB = %.0f MiB: %s (checksum %.4f)%n",
                layers, file.getFileName(), Files.size(file) / (double) (1L << 30), peak / 1024.0, baseline / 1024.0,
                largest / (double) (1 << 20), boundMib, peak / 1024.0 <= boundMib ? "within" : "EXCEEDED", checksum);
    }

    /** VmHWM of this process in KiB (Linux). */
    private static long peakKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
