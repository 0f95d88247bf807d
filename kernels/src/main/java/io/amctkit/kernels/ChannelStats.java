package io.amctkit.kernels;

import java.nio.FloatBuffer;

/** Per-row max and min of a {@code [rows, rowLength]} float buffer in one pass; NaN propagates, as torch.max/min. */
final class ChannelStats {

    private ChannelStats() {
    }

    static float[][] maxMin(FloatBuffer data, int rows, int rowLength, Parallel parallel) {
        if (rows == 1) {
            int chunks = parallel.chunks(rowLength);
            float[] hi = new float[chunks];
            float[] lo = new float[chunks];
            parallel.forChunks(rowLength, (chunk, from, to) -> {
                float[] r = scan(data, from, to);
                hi[chunk] = r[0];
                lo[chunk] = r[1];
            });
            float max = hi[0];
            float min = lo[0];
            for (int c = 1; c < chunks; c++) {
                max = max != max || hi[c] != hi[c] ? Float.NaN : Math.max(max, hi[c]);
                min = min != min || lo[c] != lo[c] ? Float.NaN : Math.min(min, lo[c]);
            }
            return new float[][]{{max}, {min}};
        }
        float[] max = new float[rows];
        float[] min = new float[rows];
        parallel.forRows(rows, rowLength, (from, to) -> {
            for (int r = from; r < to; r++) {
                float[] m = scan(data, r * rowLength, (r + 1) * rowLength);
                max[r] = m[0];
                min[r] = m[1];
            }
        });
        return new float[][]{max, min};
    }

    /** {max, min} of {@code data[from, to)}; NaN if any element is NaN. Staged through heap blocks for {@link Lanes#maxMin}. */
    static float[] scan(FloatBuffer data, int from, int to) {
        Lanes lanes = Lanes.best();
        float[] buf = new float[Math.min(FakeQuant.BLOCK, Math.max(1, to - from))];
        float[] block = new float[2];
        float hi = Float.NEGATIVE_INFINITY;
        float lo = Float.POSITIVE_INFINITY;
        for (int i = from; i < to; i += buf.length) {
            int len = Math.min(buf.length, to - i);
            data.get(i, buf, 0, len);
            lanes.maxMin(buf, len, block);
            hi = Math.max(hi, block[0]);
            lo = Math.min(lo, block[1]);
        }
        return new float[]{hi, lo};
    }
}
