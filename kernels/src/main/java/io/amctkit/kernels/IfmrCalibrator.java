package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * AMCT's {@code IFMR} module for one layer: accumulates the first {@code batch_num} activation batches and runs IFMR
 * on their concatenation when the last one arrives; before that it reports "not ready" (and ULQ runs with the raw
 * batch max/min). One instance per layer; not thread-safe.
 */
public final class IfmrCalibrator {

    private final Ifmr.Params params;
    private final int batchNum;
    private final List<float[]> batches = new ArrayList<>();
    private Ifmr.Result result;

    public IfmrCalibrator(Ifmr.Params params, int batchNum) {
        if (batchNum <= 0) {
            throw new IllegalArgumentException("batch_num must be > 0; got " + batchNum);
        }
        this.params = params;
        this.batchNum = batchNum;
    }

    /** Adds one batch; returns IFMR's result once {@code batch_num} batches have been seen, empty before. */
    public Optional<Ifmr.Result> accept(INDArray batch) {
        if (result != null) {
            return Optional.of(result);
        }
        FloatBuffer buf = Tensors.floats(Tensors.asFloat32(batch));
        float[] copy = new float[buf.limit()];
        buf.get(0, copy);
        batches.add(copy);
        if (batches.size() < batchNum) {
            return Optional.empty();
        }
        int total = batches.stream().mapToInt(b -> b.length).sum();
        float[] all = new float[total];
        int at = 0;
        for (float[] b : batches) {
            System.arraycopy(b, 0, all, at, b.length);
            at += b.length;
        }
        batches.clear();
        result = Ifmr.run(all, params);
        return Optional.of(result);
    }

    public boolean isDone() {
        return result != null;
    }
}
