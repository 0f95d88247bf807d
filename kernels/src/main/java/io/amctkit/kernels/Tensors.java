package io.amctkit.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Access to ND4J arrays as flat row-major float32 buffers: float16/bfloat16 inputs are widened to float32 (as AMCT
 * computes), non-contiguous views are copied once. Outputs are allocated uninitialised, to be written once.
 */
public final class Tensors {

    private Tensors() {
    }

    /** {@code array} as a contiguous c-order float32 array (itself when it already is one). */
    public static INDArray asFloat32(INDArray array) {
        INDArray a = array.dataType() == DataType.FLOAT ? array : array.castTo(DataType.FLOAT);
        if (a.ordering() != 'c' || a.isView() && (a.offset() != 0 || a.length() != a.data().length())) {
            a = a.dup('c');
        }
        return a;
    }

    /** The float32 elements of a contiguous c-order float32 array, row-major, positioned at its first element. */
    public static FloatBuffer floats(INDArray contiguousFloat32) {
        FloatBuffer all = contiguousFloat32.data().asNioFloat();
        long offset = contiguousFloat32.offset();
        if (offset != 0 || all.limit() != contiguousFloat32.length()) {
            all.position((int) offset);
            all = all.slice();
            all.limit((int) contiguousFloat32.length());
        }
        return all;
    }

    /** The bytes of a contiguous float32 array in native order, from its first element (float index 0). */
    static ByteBuffer bytes(INDArray contiguousFloat32) {
        ByteBuffer all = contiguousFloat32.data().asNio().duplicate().order(ByteOrder.nativeOrder());
        long offset = contiguousFloat32.offset();
        if (offset != 0) {
            all.position((int) (offset * Float.BYTES));
            all = all.slice().order(ByteOrder.nativeOrder());
        }
        return all;
    }

    /**
     * Widens {@code count} BF16 values (little-endian, from the position of {@code bf16}) into {@code dst}, a contiguous
     * float32 array, from its element {@code at}: exactly (BF16 is float32's upper half), with SIMD when available.
     */
    public static void widenBf16(ByteBuffer bf16, int count, INDArray dst, long at) {
        if (at < 0 || at + count > dst.length()) {
            throw new IllegalArgumentException("elements [" + at + ", " + (at + count) + ") outside an array of " + dst.length());
        }
        Lanes.best().widenBf16(bf16, bf16.position(), bytes(dst), Math.toIntExact(at), count);
    }

    /** A new float32 array of {@code shape}, contents undefined until written. */
    public static INDArray newFloat32(long... shape) {
        return Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
    }

    /**
     * {@code out} checked to be a contiguous float32 array of {@code like}'s length, for the kernels' {@code ...Into}
     * variants that write into a caller's buffer (a training loop's reused output) instead of allocating.
     */
    static INDArray requireOutput(INDArray out, INDArray like, String what) {
        if (out.dataType() != DataType.FLOAT || out.ordering() != 'c' || out.length() != like.length()
                || (out.isView() && (out.offset() != 0 || out.length() != out.data().length()))) {
            throw new KernelException(what + " must be a contiguous c-order float32 array of " + like.length()
                    + " elements; got " + out.dataType() + " " + java.util.Arrays.toString(out.shape()));
        }
        return out;
    }

    /** A float32 array holding {@code values} with {@code shape} (one bulk copy, not one put per element). */
    public static INDArray of(float[] values, long... shape) {
        INDArray a = newFloat32(shape);
        floats(a).put(values, 0, (int) a.length());
        return a;
    }

    /** The elements of {@code array} as float32, row-major, in a new Java array (one bulk copy). */
    public static float[] values(INDArray array) {
        INDArray a = asFloat32(array);
        float[] out = new float[(int) a.length()];
        floats(a).get(out);
        return out;
    }
}
