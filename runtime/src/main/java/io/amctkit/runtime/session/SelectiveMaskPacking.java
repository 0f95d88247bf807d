package io.amctkit.runtime.session;

import java.nio.FloatBuffer;

/**
 * AMCT's encoding of a 2:4 mask in the record file: the 0/1 mask flattened in C order, packed 8 bits per byte with the
 * first element in the most significant bit ({@code numpy.packbits}), zero-padded to a multiple of 8 bytes and read as
 * little-endian int64 values. Spec test vector: [[0,1,1,0,1,1],[0,0,1,1,0,1]] → 53356.
 */
public final class SelectiveMaskPacking {

    private SelectiveMaskPacking() {
    }

    /** Packs a 0/1 mask (what the kernels' {@link io.amctkit.kernels.SelectiveMask#pack} does for sessions). */
    public static long[] pack(FloatBuffer mask) {
        float[] values = new float[mask.limit()];
        mask.get(0, values);
        return io.amctkit.kernels.SelectiveMask.pack(io.amctkit.kernels.Tensors.of(values, values.length), 0,
                io.amctkit.kernels.Parallel.sequential()).words();
    }

    /** The first {@code n} mask values of packed {@code words}. */
    public static float[] unpack(long[] words, int n) {
        float[] mask = new float[n];
        for (int i = 0; i < n; i++) {
            int byteIndex = i >>> 3;
            int b = (int) (words[byteIndex >>> 3] >>> (8 * (byteIndex & 7))) & 0xff;
            mask[i] = (b >>> (7 - (i & 7)) & 1) == 1 ? 1f : 0f;
        }
        return mask;
    }
}
