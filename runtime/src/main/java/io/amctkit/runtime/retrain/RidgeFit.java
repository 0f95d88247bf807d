package io.amctkit.runtime.retrain;

import io.amctkit.kernels.Tensors;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Least squares with a small ridge for a layer as rows: the weight {@code [out, k]} (and bias) that best map inputs
 * {@code x} (n × k) to targets {@code y} (n × out).
 */
final class RidgeFit {

    /** The fitted weight [out·k] and bias [out] (zeros when there is none). */
    record Fit(float[] weight, float[] bias) {
    }

    private RidgeFit() {
    }

    /** θ = (AᵀA + λ·I)⁻¹Aᵀy on A = [x 1], λ = {@code ridge} × the mean diagonal of AᵀA (the bias is not shrunk). */
    static Fit solve(float[] x, float[] y, int n, int k, int out, boolean bias, double ridge) {
        int m = k + (bias ? 1 : 0);
        double[] xa = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                xa[i * m + j] = x[i * k + j];
            }
            if (bias) {
                xa[i * m + k] = 1;
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
        double[] g = ata.dup('c').data().asDouble();
        for (int i = 0; i < k; i++) {
            g[i * m + i] += lambda;
        }
        double[] t = choleskySolve(g, a.transpose().mmul(yy).dup('c').data().asDouble(), m, out);   // [m, out]
        float[] w = new float[out * k];
        float[] b = new float[out];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < k; j++) {
                w[o * k + j] = (float) t[j * out + o];
            }
            if (bias) {
                b[o] = (float) t[k * out + o];
            }
        }
        return new Fit(w, b);
    }

    /**
     * Solves A·X = B for a symmetric positive definite A ({@code m × m}, row-major, overwritten by its Cholesky factor)
     * and B ({@code m × cols}, row-major); returns X.
     */
    static double[] choleskySolve(double[] a, double[] b, int m, int cols) {
        for (int j = 0; j < m; j++) {
            double d = a[j * m + j];
            for (int p = 0; p < j; p++) {
                d -= a[j * m + p] * a[j * m + p];
            }
            if (!(d > 0)) {
                throw new IllegalStateException("the ridge system is not positive definite (column " + j + ")");
            }
            double l = Math.sqrt(d);
            a[j * m + j] = l;
            for (int i = j + 1; i < m; i++) {
                double s = a[i * m + j];
                for (int p = 0; p < j; p++) {
                    s -= a[i * m + p] * a[j * m + p];
                }
                a[i * m + j] = s / l;
            }
        }
        double[] x = b.clone();
        for (int i = 0; i < m; i++) {           // L·z = b
            for (int p = 0; p < i; p++) {
                double l = a[i * m + p];
                for (int c = 0; c < cols; c++) {
                    x[i * cols + c] -= l * x[p * cols + c];
                }
            }
            double l = a[i * m + i];
            for (int c = 0; c < cols; c++) {
                x[i * cols + c] /= l;
            }
        }
        for (int i = m - 1; i >= 0; i--) {      // Lᵀ·x = z
            for (int p = i + 1; p < m; p++) {
                double l = a[p * m + i];
                for (int c = 0; c < cols; c++) {
                    x[i * cols + c] -= l * x[p * cols + c];
                }
            }
            double l = a[i * m + i];
            for (int c = 0; c < cols; c++) {
                x[i * cols + c] /= l;
            }
        }
        return x;
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
