package io.amctkit.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A weight's elements as float32, one range at a time, for kernels that pass over each range while it is in cache: a
 * float32 weight's own memory, or a bfloat16 weight's range widened (exactly: BF16 is float32's upper half) into the
 * calling task's scratch. A BF16 checkpoint's weight is then read once, at two bytes an element, and never copied whole
 * to float32; the float32 results are the same bit for bit.
 */
final class FloatRanges {

    /** Where a range's floats are: {@code bytes} (native order) from float index {@code at}. */
    record Range(ByteBuffer bytes, int at) {
    }

    private final ByteBuffer data;
    private final boolean bf16;
    private final int length;

    private FloatRanges(ByteBuffer data, boolean bf16, int length) {
        this.data = data;
        this.bf16 = bf16;
        this.length = length;
    }

    /** The elements of {@code weight}: kept as bfloat16 when it is a contiguous c-order BF16 array, else as float32. */
    static FloatRanges of(INDArray weight) {
        if (isContiguousBf16(weight)) {
            ByteBuffer all = weight.data().asNio().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            all.position(0).limit((int) (2 * weight.length()));
            return new FloatRanges(all.slice().order(ByteOrder.LITTLE_ENDIAN), true, (int) weight.length());
        }
        INDArray w = Tensors.asFloat32(weight);
        return new FloatRanges(Tensors.bytes(w), false, (int) w.length());
    }

    /** Whether {@code a} is a bfloat16 array whose elements are its buffer's, in c order from the first. */
    static boolean isContiguousBf16(INDArray a) {
        return a.dataType() == DataType.BFLOAT16 && a.ordering() == 'c' && a.offset() == 0
                && a.length() == a.data().length();
    }

    int length() {
        return length;
    }

    /** A task's scratch for ranges of up to {@code floats} elements (nothing needed for a float32 weight). */
    ByteBuffer scratch(int floats) {
        return ByteBuffer.allocate(bf16 ? floats * Float.BYTES : 0).order(ByteOrder.nativeOrder());
    }

    /** Elements {@code [from, from + len)} as float32: the weight's own memory, or widened into {@code scratch}. */
    Range range(int from, int len, ByteBuffer scratch, Lanes lanes) {
        if (!bf16) {
            return new Range(data, from);
        }
        lanes.widenBf16(data, 2 * from, scratch, 0, len);
        return new Range(scratch, 0);
    }

    /** {@link Lanes#twoOfFourPacked} of elements {@code [from, from + len)} into their words of {@code words}. */
    long twoOfFourPacked(Lanes lanes, int from, int len, long[] words) {
        return bf16 ? lanes.twoOfFourPackedBf16(data, from, len, words, from / 64)
                : lanes.twoOfFourPacked(data, from, len, words, from / 64);
    }

    /** The flat index of the first NaN in {@code [from, from + len)}, or -1. */
    int firstNaN(int from, int len) {
        for (int i = from; i < from + len; i++) {
            if (Float.isNaN(value(i))) {
                return i;
            }
        }
        return -1;
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
