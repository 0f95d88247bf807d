package io.amctkit.runtime.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.javacpp.indexer.Bfloat16Indexer;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One float32 block of native memory that a session reads every weight into, in turn: the arrays it hands out share
 * it, so reading a layer costs no allocation and no page faults (ND4J fills each new array, and the system maps fresh
 * pages for it: on a VM that is as slow as reading the weight). Sized for the largest weight up front; grows if asked for
 * more. An array it gave is valid until the next {@link #array} call or {@link #close}; one user at a time.
 */
public final class WeightBuffer implements AutoCloseable {

    private FloatPointer memory;

    private WeightBuffer(long elements) {
        this.memory = new FloatPointer(Math.max(1, elements));
    }

    /** A buffer for weights of up to {@code elements} floats. */
    public static WeightBuffer forElements(long elements) {
        return new WeightBuffer(elements);
    }

    /** A contiguous c-order float32 array of {@code shape} over the buffer's memory (contents: whatever was there). */
    public INDArray array(long[] shape) {
        return array(shape, DataType.FLOAT);
    }

    /** The same in {@code type}: FLOAT, or BFLOAT16 (a BF16 weight's stored bytes; half the memory). */
    public INDArray array(long[] shape, DataType type) {
        if (type != DataType.FLOAT && type != DataType.BFLOAT16) {
            throw new IllegalArgumentException("a weight buffer holds FLOAT or BFLOAT16 arrays, not " + type);
        }
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (memory == null) {
            throw new IllegalStateException("the weight buffer is closed");
        }
        long floats = type == DataType.FLOAT ? n : (n + 1) / 2;
        if (floats > memory.capacity()) {
            memory.close();
            memory = new FloatPointer(floats);
        }
        long length = Math.max(1, n);
        DataBuffer data;
        if (type == DataType.FLOAT) {
            FloatPointer view = new FloatPointer(memory).capacity(length);
            data = Nd4j.createBuffer(view, type, length, FloatIndexer.create(view));
        } else {
            ShortPointer view = new ShortPointer(memory).capacity(length);
            data = Nd4j.createBuffer(view, type, length, Bfloat16Indexer.create(view));
        }
        long[] strides = new long[shape.length];
        long stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = stride;
            stride *= shape[d];
        }
        return Nd4j.create(data, shape, strides, 0, 'c');
    }

    /** Whether {@code array} lives in this buffer (so is not closed on its own). */
    public boolean holds(INDArray array) {
        return memory != null && array.data().addressPointer().address() == memory.address();
    }

    @Override
    public void close() {
        if (memory != null) {
            memory.close();
            memory = null;
        }
    }
}
