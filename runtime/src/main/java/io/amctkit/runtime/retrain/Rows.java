package io.amctkit.runtime.retrain;

import io.amctkit.kernels.Tensors;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * The small element-wise steps of a training step on row-major {@code [rows, out]} outputs, done in Java on the array's
 * memory: at these sizes each ND4J op costs more in dispatch than in arithmetic.
 */
final class Rows {

    private Rows() {
    }

    /**
     * Adds {@code bias} to every row of the contiguous float32 {@code diff} (outputs minus targets) in place and returns
     * the mean squared value; {@code scratch} holds at least {@code diff}'s elements.
     */
    static double addBiasAndLoss(INDArray diff, float[] bias, float[] scratch) {
        FloatBuffer f = Tensors.floats(diff);
        int length = (int) diff.length();
        f.get(0, scratch, 0, length);
        int out = bias.length;
        double sum = 0;
        for (int i = 0; i < length; i++) {
            float d = scratch[i] + bias[i % out];
            scratch[i] = d;
            sum += (double) d * d;
        }
        f.put(0, scratch, 0, length);
        return sum / length;
    }

    /** Column sums of the first {@code rows}·{@code out} values of {@code values} (row-major), times {@code factor}. */
    static float[] columnSums(float[] values, int rows, int out, double factor) {
        double[] sums = new double[out];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < out; c++) {
                sums[c] += values[r * out + c];
            }
        }
        float[] result = new float[out];
        for (int c = 0; c < out; c++) {
            result[c] = (float) (sums[c] * factor);
        }
        return result;
    }
}
