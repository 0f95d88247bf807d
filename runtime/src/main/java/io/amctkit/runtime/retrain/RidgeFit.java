package io.amctkit.runtime.retrain;

import io.amctkit.kernels.Tensors;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.inverse.InvertMatrix;

/**
 * Least squares with a small ridge for a layer as rows: the weight {@code [out, k]} (and bias) that best map inputs
 * {@code x} (n × k) to targets {@code y} (n × out), using only the input columns {@code keep} allows (the others get 0:
 * channels pruning removed).
 */
final class RidgeFit {

    /** The fitted weight [out·k] and bias [out] (zeros when there is none). */
    record Fit(float[] weight, float[] bias) {
    }

    private RidgeFit() {
    }

    /**
     * θ = (AᵀA + λ·I)⁻¹Aᵀy on A = [x_kept 1], λ = {@code ridge} × the mean diagonal of AᵀA.
     *
     * @param keep which of the k input columns take part (null: all)
     */
    static Fit solve(float[] x, float[] y, int n, int k, int out, boolean bias, double ridge, boolean[] keep) {
        int[] cols = java.util.stream.IntStream.range(0, k).filter(j -> keep == null || keep[j]).toArray();
        int m = cols.length + (bias ? 1 : 0);
        double[] xa = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < cols.length; j++) {
                xa[i * m + j] = x[i * k + cols[j]];
            }
            if (bias) {
                xa[i * m + cols.length] = 1;
            }
        }
        INDArray a = Nd4j.create(xa, new long[]{n, m}, 'c');
        double[] ya = new double[n * out];
        for (int i = 0; i < ya.length; i++) {
            ya[i] = y[i];
        }
        INDArray yy = Nd4j.create(ya, new long[]{n, out}, 'c');
        INDArray ata = a.transpose().mmul(a);
        double trace = 0;
        for (int i = 0; i < m; i++) {
            trace += ata.getDouble(i, i);
        }
        double lambda = ridge * trace / m;
        for (int i = 0; i < cols.length; i++) {
            ata.putScalar(i, i, ata.getDouble(i, i) + lambda);
        }
        INDArray theta = InvertMatrix.invert(ata, false).mmul(a.transpose().mmul(yy));   // [m, out]
        float[] w = new float[out * k];
        float[] b = new float[out];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < cols.length; j++) {
                w[o * k + cols[j]] = (float) theta.getDouble(j, o);
            }
            if (bias) {
                b[o] = (float) theta.getDouble(cols.length, o);
            }
        }
        return new Fit(w, b);
    }

    /** Mean squared error of x·wᵀ + b against y (b may be null). */
    static double error(float[] x, float[] y, int n, int k, int out, float[] w, float[] b) {
        INDArray o = Tensors.of(x, n, k).mmul(Tensors.of(w, out, k).transpose());
        if (b != null) {
            o.addiRowVector(Tensors.of(b, out));
        }
        INDArray d = o.subi(Tensors.of(y, n, out));
        double norm = d.norm2Number().doubleValue();
        return norm * norm / ((double) n * out);
    }
}
