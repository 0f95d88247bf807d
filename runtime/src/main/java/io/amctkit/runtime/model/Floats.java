package io.amctkit.runtime.model;

import io.amctkit.kernels.Tensors;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/** Decodes little-endian stored elements (F32, F16, BF16, F64) into a new float32 ND4J array. */
public final class Floats {

    private Floats() {
    }

    /** {@code bytes} (exactly the tensor's data) as a float32 array of {@code shape}. */
    public static INDArray decode(ByteBuffer bytes, DType dtype, long[] shape) {
        INDArray out = Tensors.newFloat32(shape.length == 0 ? new long[]{} : shape);
        long n = out.length();
        int width = dtype.bytes();
        int piece = PIECE_BYTES / width;
        float[] values = dtype == DType.BF16 ? null : new float[(int) Math.min(piece, n)];
        short[] halves = dtype == DType.F16 ? new short[(int) Math.min(piece, n)] : null;
        for (long from = 0; from < n; from += piece) {
            int count = (int) Math.min(piece, n - from);
            ByteBuffer src = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            src.position((int) (bytes.position() + from * width)).limit((int) (bytes.position() + (from + count) * width));
            widenInto(src, dtype, count, out, from, halves, values);
        }
        return out;
    }

    /**
     * Reads {@code shape} elements of {@code dtype} stored little-endian at {@code position} of {@code channel} into a new
     * float32 array: float32 straight into the array's memory; other types in 1 MiB pieces, each read into a staging
     * buffer and widened into the array, the tensor split into one run of pieces per core (positional reads, so the
     * runs go in parallel) — reading a tensor needs its float32 array and a few MiB besides, and no mapping.
     */
    public static INDArray read(FileChannel channel, long position, DType dtype, long[] shape) throws IOException {
        return read(channel, position, dtype, shape, null);
    }

    /** The same, into {@code target} (a contiguous float32 array of the shape), or a new array when it is null. */
    public static INDArray read(FileChannel channel, long position, DType dtype, long[] shape, INDArray target) throws IOException {
        INDArray out = target != null ? target : Tensors.newFloat32(shape.length == 0 ? new long[]{} : shape);
        long n = out.length();
        boolean asStored = dtype == DType.F32 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;   // bytes as they are
        int piece = PIECE_BYTES / dtype.bytes();
        int pieces = (int) ((n + piece - 1) / piece);
        int runs = Math.max(1, Math.min(pieces, Runtime.getRuntime().availableProcessors()));
        try {
            java.util.stream.IntStream.range(0, runs).parallel().forEach(run -> {
                int first = (int) ((long) pieces * run / runs);
                int last = (int) ((long) pieces * (run + 1) / runs);
                if (asStored) {
                    readBytes(channel, position, out, first * (long) PIECE_BYTES, Math.min(n * dtype.bytes(),
                            last * (long) PIECE_BYTES));
                } else {
                    readRun(channel, position, dtype, out, first, last, piece);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return out;
    }

    /** Bytes {@code [from, to)} of a float32 tensor at {@code position} straight into {@code out}'s memory. */
    private static void readBytes(FileChannel channel, long position, INDArray out, long from, long to) {
        ByteBuffer dst = out.data().asNio().duplicate();
        dst.position((int) from).limit((int) to);
        try {
            readFully(channel, dst, position + from);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Pieces {@code [first, last)} of {@code piece} elements each: read into one staging buffer, widened into {@code out}. */
    private static void readRun(FileChannel channel, long position, DType dtype, INDArray out, int first, int last, int piece) {
        int width = dtype.bytes();
        long n = out.length();
        float[] values = dtype == DType.BF16 ? null : new float[piece];
        short[] halves = dtype == DType.F16 ? new short[piece] : null;
        // native memory freed when the run ends (a direct ByteBuffer waits for a GC: hundreds of MB on an LLM)
        try (org.bytedeco.javacpp.BytePointer memory = new org.bytedeco.javacpp.BytePointer((long) piece * width)) {
            ByteBuffer staging = memory.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int p = first; p < last; p++) {
                long from = (long) p * piece;
                int count = (int) Math.min(piece, n - from);
                staging.clear().limit(count * width);
                readFully(channel, staging, position + from * width);
                widenInto(staging.flip(), dtype, count, out, from, halves, values);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Bytes per piece of a widened read. */
    private static final int PIECE_BYTES = 1 << 20;

    /**
     * {@code count} stored elements of {@code src} (little-endian, from its position) as float32 into {@code out} from
     * element {@code from}: BF16 straight in (SIMD), the others through {@code values} ({@code halves} for F16).
     */
    private static void widenInto(ByteBuffer src, DType dtype, int count, INDArray out, long from, short[] halves,
                                  float[] values) {
        if (dtype == DType.BF16) {
            Tensors.widenBf16(src, count, out, from);
            return;
        }
        switch (dtype) {
            case F16 -> {
                src.asShortBuffer().get(halves, 0, count);
                for (int i = 0; i < count; i++) {
                    values[i] = halfToFloat(halves[i]);
                }
            }
            case F32 -> src.asFloatBuffer().get(values, 0, count);
            case F64 -> {
                java.nio.DoubleBuffer d = src.asDoubleBuffer();
                for (int i = 0; i < count; i++) {
                    values[i] = (float) d.get(i);
                }
            }
            default -> throw new IllegalStateException(dtype.toString());
        }
        Tensors.floats(out).put((int) from, values, 0, count);
    }

    private static void readFully(FileChannel channel, ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int got = channel.read(dst, at);
            if (got < 0) {
                throw new java.io.EOFException("the file ends at byte " + at);
            }
            at += got;
        }
    }

    /** IEEE 754 binary16 to float32, exactly (subnormals, infinities and NaN payloads included). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;   // subnormal (or zero): exact in float32
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
