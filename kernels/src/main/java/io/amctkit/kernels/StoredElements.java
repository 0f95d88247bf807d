package io.amctkit.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A weight's elements for the report kernels, as stored: a float32 weight's own memory, or a bfloat16 weight's (the
 * {@link Lanes}' BF16 loops read two values per int lane, exactly their floats: BF16 is float32's upper half). A BF16
 * checkpoint's weight is then read at two bytes an element and never widened to memory; the results are the same bit
 * for bit.
 */
final class StoredElements {

    private final ByteBuffer data;
    private final boolean bf16;
    private final int length;

    private StoredElements(ByteBuffer data, boolean bf16, int length) {
        this.data = data;
        this.bf16 = bf16;
        this.length = length;
    }

    /** The elements of {@code weight}: kept as bfloat16 when it is a contiguous c-order BF16 array, else as float32. */
    static StoredElements of(INDArray weight) {
        if (isContiguousBf16(weight)) {
            ByteBuffer all = weight.data().asNio().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            all.position(0).limit((int) (2 * weight.length()));
            return new StoredElements(all.slice().order(ByteOrder.LITTLE_ENDIAN), true, (int) weight.length());
        }
        INDArray w = Tensors.asFloat32(weight);
        return new StoredElements(Tensors.bytes(w), false, (int) w.length());
    }

    /** Whether {@code a} is a bfloat16 array whose elements are its buffer's, in c order from the first. */
    static boolean isContiguousBf16(INDArray a) {
        return a.dataType() == DataType.BFLOAT16 && a.ordering() == 'c' && a.offset() == 0
                && a.length() == a.data().length();
    }

    int length() {
        return length;
    }

    /** {@link Lanes#maxMin} of elements {@code [from, from + len)}. */
    void maxMin(Lanes lanes, int from, int len, float[] maxMin) {
        if (bf16) {
            lanes.maxMinBf16(data, from, len, maxMin);
        } else {
            lanes.maxMin(data, from, len, maxMin);
        }
    }

    /** {@link Lanes#quantError} of elements {@code [from, from + len)}. */
    void quantError(Lanes lanes, int from, int len, float s, float qmin, float qmax, double[] acc) {
        if (bf16) {
            lanes.quantErrorBf16(data, from, len, s, qmin, qmax, acc);
        } else {
            lanes.quantError(data, from, len, s, qmin, qmax, acc);
        }
    }

    /** {@link Lanes#twoOfFourPacked} of elements {@code [from, from + len)} into their words of {@code words}. */
    long twoOfFourPacked(Lanes lanes, int from, int len, long[] words) {
        return bf16 ? lanes.twoOfFourPackedBf16(data, from, len, words, from / 64)
                : lanes.twoOfFourPacked(data, from, len, words, from / 64);
    }

    /** The flat index of the first NaN or ±Infinity in {@code [from, from + len)}, or -1. */
    int firstNonFinite(int from, int len) {
        for (int i = from; i < from + len; i++) {
            if (!Float.isFinite(value(i))) {
                return i;
            }
        }
        return -1;
    }

    /** Element {@code i} as float32. */
    float value(int i) {
        return bf16 ? Float.intBitsToFloat((data.getShort(2 * i) & 0xffff) << 16) : data.getFloat(i * Float.BYTES);
    }
}
