package io.amctkit.kernels;

import java.nio.ByteBuffer;

/** Per-row max and min of a {@code [rows, rowLength]} float32 buffer in one pass; NaN propagates, as torch.max/min. */
final class ChannelStats {

    private ChannelStats() {
    }

    /** {max[rows], min[rows]} of the native-order float32 bytes {@code data}. */
    static float[][] maxMin(ByteBuffer data, int rows, int rowLength, Parallel parallel) {
        Lanes lanes = Lanes.best();
        if (rows == 1) {
            int chunks = parallel.chunks(rowLength);
            float[] hi = new float[chunks];
            float[] lo = new float[chunks];
            parallel.forChunks(rowLength, (chunk, from, to) -> {
                float[] r = new float[2];
                lanes.maxMin(data, from, to - from, r);
                hi[chunk] = r[0];
                lo[chunk] = r[1];
            });
            float max = hi[0];
            float min = lo[0];
            for (int c = 1; c < chunks; c++) {
                max = max(max, hi[c]);
                min = min(min, lo[c]);
            }
            return new float[][]{{max}, {min}};
        }
        float[] max = new float[rows];
        float[] min = new float[rows];
        parallel.forRows(rows, rowLength, (from, to) -> {
            float[] m = new float[2];
            for (int r = from; r < to; r++) {
                lanes.maxMin(data, r * rowLength, rowLength, m);
                max[r] = m[0];
                min[r] = m[1];
            }
        });
        return new float[][]{max, min};
    }

    /** The larger of two partial maxima, NaN if either is (as torch.max over their union). */
    static float max(float a, float b) {
        return a != a || b != b ? Float.NaN : Math.max(a, b);
    }

    /** The smaller of two partial minima, NaN if either is. */
    static float min(float a, float b) {
        return a != a || b != b ? Float.NaN : Math.min(a, b);
    }
}
