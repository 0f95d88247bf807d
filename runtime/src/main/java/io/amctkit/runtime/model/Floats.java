package io.amctkit.runtime.model;

import io.amctkit.kernels.Tensors;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;

/** Decodes little-endian stored elements (F32, F16, BF16, F64) into a new float32 ND4J array. */
public final class Floats {

    private Floats() {
    }

    /** {@code bytes} (exactly the tensor's data) as a float32 array of {@code shape}. */
    public static INDArray decode(ByteBuffer bytes, DType dtype, long[] shape) {
        ByteBuffer src = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        INDArray out = Tensors.newFloat32(shape.length == 0 ? new long[]{} : shape);
        FloatBuffer dst = out.data().asNioFloat();
        int n = (int) out.length();
        switch (dtype) {
            case F32 -> {
                FloatBuffer f = src.asFloatBuffer();
                float[] block = new float[Math.min(n, 1 << 16)];
                for (int i = 0; i < n; i += block.length) {
                    int len = Math.min(block.length, n - i);
                    f.get(i, block, 0, len);
                    dst.put(i, block, 0, len);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(i, halfToFloat(src.getShort(src.position() + 2 * i)));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(i, Float.intBitsToFloat((src.getShort(src.position() + 2 * i) & 0xffff) << 16));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(i, (float) src.getDouble(src.position() + 8 * i));
                }
            }
            default -> throw new IllegalStateException(dtype.toString());
        }
        return out;
    }

    /**
     * Reads {@code shape} elements of {@code dtype} stored little-endian at {@code position} of {@code channel} into a new
     * float32 array: float32 straight into the array's memory, other types through a 1 MiB staging buffer — so reading
     * a tensor needs its float32 array and nothing of its size besides (no mapping left for the GC to release).
     */
    public static INDArray read(FileChannel channel, long position, DType dtype, long[] shape) throws IOException {
        INDArray out = Tensors.newFloat32(shape.length == 0 ? new long[]{} : shape);
        long n = out.length();
        if (dtype == DType.F32 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            ByteBuffer dst = out.data().asNio().duplicate();
            dst.position(0).limit((int) (n * 4));
            readFully(channel, dst, position);
            return out;
        }
        FloatBuffer dst = out.data().asNioFloat();
        int width = dtype.bytes();
        ByteBuffer chunk = ByteBuffer.allocate((1 << 20) / width * width).order(ByteOrder.LITTLE_ENDIAN);
        long done = 0;
        while (done < n) {
            int count = (int) Math.min(chunk.capacity() / width, n - done);
            chunk.clear().limit(count * width);
            readFully(channel, chunk, position + done * width);
            INDArray part = decode(chunk.flip(), dtype, new long[]{count});
            float[] values = part.data().asFloat();
            dst.put((int) done, values, 0, count);
            part.close();
            done += count;
        }
        return out;
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
