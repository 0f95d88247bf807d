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
 * Where a session's weights live, one at a time: a float32 block of native memory that each weight is read into in turn
 * (the arrays it hands out share it, so reading a layer costs no allocation and no page faults: ND4J fills each new
 * array, and the system maps fresh pages for it, on a VM as slow as reading the weight), or a weight stored as the
 * kernels take it, mapped from its file (no copy at all). Sized for the largest weight up front; grows if asked for
 * more. An array it gave is valid until the next {@link #array} or {@link #mapped} call or {@link #close}, which unmap a
 * mapped one; one user at a time.
 */
public final class WeightBuffer implements AutoCloseable {

    private FloatPointer memory;
    /** The weight mapped now, if any, and its address. */
    private java.nio.MappedByteBuffer mapping;
    private long mappedAddress;
    /** Reads the file ahead of the mapped weights; started by the first one. */
    private ReadAhead ahead;

    private WeightBuffer(long elements) {
        this.memory = new FloatPointer(Math.max(1, elements));
    }

    /** A buffer for weights of up to {@code elements} floats. */
    public static WeightBuffer forElements(long elements) {
        return new WeightBuffer(elements);
    }

    /** A contiguous c-order float32 array of {@code shape} over the buffer's memory (contents: whatever was there). */
    public INDArray array(long[] shape) {
        long n = elements(shape, DataType.FLOAT);
        unmap();
        if (memory == null) {
            throw new IllegalStateException("the weight buffer is closed");
        }
        if (n > memory.capacity()) {
            memory.close();
            memory = new FloatPointer(n);
        }
        return over(memory, shape, DataType.FLOAT, n);
    }

    /**
     * The {@code shape} elements of {@code type} (FLOAT or BFLOAT16, little-endian on a little-endian machine) stored at
     * {@code position} of {@code channel} (open on {@code file}), mapped read-only: the file's own pages, touched only as
     * the kernels read them, and read ahead of them in the background from a file not in the page cache
     * ({@link ReadAhead}). The array must not be written.
     */
    public INDArray mapped(java.nio.file.Path file, java.nio.channels.FileChannel channel, long position, long[] shape,
                           DataType type) throws java.io.IOException {
        long n = elements(shape, type);
        unmap();
        if (memory == null) {
            throw new IllegalStateException("the weight buffer is closed");
        }
        long bytes = n * (type == DataType.FLOAT ? 4 : 2);
        if (ahead == null) {
            ahead = new ReadAhead();
        }
        ahead.following(file, position, bytes);
        java.nio.MappedByteBuffer m = channel.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, position, Math.max(1, bytes));
        org.bytedeco.javacpp.BytePointer at = new org.bytedeco.javacpp.BytePointer(m);
        mapping = m;
        mappedAddress = at.address();
        return over(at, shape, type, n);
    }

    private static long elements(long[] shape, DataType type) {
        if (type != DataType.FLOAT && type != DataType.BFLOAT16) {
            throw new IllegalArgumentException("a weight buffer holds FLOAT or BFLOAT16 arrays, not " + type);
        }
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** A c-order array of {@code shape} over the memory at {@code at} (a view: ND4J frees nothing of it). */
    private static INDArray over(org.bytedeco.javacpp.Pointer at, long[] shape, DataType type, long n) {
        long length = Math.max(1, n);
        DataBuffer data;
        if (type == DataType.FLOAT) {
            FloatPointer view = new FloatPointer(at).capacity(length).limit(length);
            data = Nd4j.createBuffer(view, type, length, FloatIndexer.create(view));
        } else {
            ShortPointer view = new ShortPointer(at).capacity(length).limit(length);
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

    /** Whether {@code array} lives in this buffer or its mapping (so is not closed on its own). */
    public boolean holds(INDArray array) {
        long address = array.data().addressPointer().address();
        return memory != null && (address == memory.address() || mapping != null && address == mappedAddress);
    }

    private void unmap() {
        if (mapping != null) {
            Unmapper.unmap(mapping);
            mapping = null;
            mappedAddress = 0;
        }
    }

    @Override
    public void close() {
        if (ahead != null) {
            ahead.close();
            ahead = null;
        }
        unmap();
        if (memory != null) {
            memory.close();
            memory = null;
        }
    }
}
