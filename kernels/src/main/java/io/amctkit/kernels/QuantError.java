package io.amctkit.kernels;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * How far a weight's fake quantization is from the weight, as sums: Σ w² ({@code signal}), Σ (w − q)² ({@code noise}),
 * the largest |w − q|, and how many q sit on an extreme integer level ({@code saturated}, clipped or at the range's
 * edge), over {@code count} elements. Each row (per channel) or each {@link #CHUNK} of the flat weight (per tensor) is
 * summed on its own, in the order {@code Lanes.sumOfSquares} fixes, and the parts are added in order: the same sums on any
 * number of threads, from the fused CPU kernel or from a fake-quantized weight computed elsewhere.
 */
public record QuantError(double signal, double noise, double maxAbs, long saturated, long count) {

    /** Elements per part of a per-tensor sum. */
    static final int CHUNK = 1 << 16;

    /** Mean squared error. */
    public double mse() {
        return count == 0 ? 0 : noise / count;
    }

    /** Signal-to-quantization-noise ratio in dB, 10·log10(Σw² / Σ(w − q)²); +∞ when exact. */
    public double sqnrDb() {
        return noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
    }

    /** Share of the elements on an extreme level. */
    public double saturation() {
        return count == 0 ? 0 : (double) saturated / count;
    }

    /** The parts ({signal, noise, maxAbs, saturated} each) added in order. */
    static QuantError sum(double[][] parts, long count) {
        double signal = 0;
        double noise = 0;
        double maxAbs = 0;
        long saturated = 0;
        for (double[] p : parts) {
            signal += p[0];
            noise += p[1];
            maxAbs = Math.max(maxAbs, p[2]);
            saturated += (long) p[3];
        }
        return new QuantError(signal, noise, maxAbs, saturated, count);
    }

    /**
     * The error of {@code fakeQuantized} against {@code original} (both float32, output channels first: {@code scales}
     * has one scale per row, or one for the tensor), for a backend whose fake quantization ran elsewhere: the same sums
     * as the fused kernel in {@link ArqWeights#summary}.
     */
    public static QuantError between(FloatBuffer original, FloatBuffer fakeQuantized, float[] scales, int bits) {
        int n = original.limit();
        float qmin = Fp32.qmin(bits);
        float qmax = Fp32.qmax(bits);
        int part = partLength(n, scales.length);
        double[][] sums = new double[parts(n, scales.length)][];
        for (int p = 0; p < sums.length; p++) {
            float s = scales[scales.length == 1 ? 0 : p];
            int from = p * part;
            sums[p] = between(original, fakeQuantized, from, Math.min(part, n - from), s * qmin, s * qmax);
        }
        return sum(sums, n);
    }

    /** Elements per part: a row with several scales, else a {@link #CHUNK}. */
    private static int partLength(int n, int rows) {
        return rows == 1 ? CHUNK : n / rows;
    }

    /** How many parts: the rows with several scales, else the chunks. */
    private static int parts(int n, int rows) {
        return rows == 1 ? (n + CHUNK - 1) / CHUNK : rows;
    }

    private static double[] between(FloatBuffer w, FloatBuffer q, int from, int len, float lo, float hi) {
        float[] wb = new float[Lanes.BLOCK];
        float[] qb = new float[Lanes.BLOCK];
        float[] signal = new float[Lanes.BLOCK];
        float[] noise = new float[Lanes.BLOCK];
        double[] acc = new double[4];
        for (int i = 0; i < len; i += Lanes.BLOCK) {
            int n = Math.min(Lanes.BLOCK, len - i);
            w.get(from + i, wb, 0, n);
            q.get(from + i, qb, 0, n);
            addBlock(wb, qb, n, lo, hi, signal, noise, acc);
        }
        return acc;
    }

    /**
     * Adds one block ({@code n} ≤ {@link Lanes#BLOCK} weights {@code w} and their fake quantization {@code q}) to
     * {@code acc} = {Σw², Σ(w − q)², max |w − q|, saturated}: each sum in {@code Lanes.sumOfSquares}' order, through the
     * scratch arrays {@code signal} and {@code noise}. The scalar loops' definition of the sums.
     */
    static void addBlock(float[] w, float[] q, int n, float lo, float hi, float[] signal, float[] noise, double[] acc) {
        float largest = 0f;
        long saturated = 0;
        for (int k = 0; k < n; k++) {
            float e = w[k] - q[k];
            signal[k] = w[k] * w[k];
            noise[k] = e * e;
            largest = Math.max(largest, Math.abs(e));
            saturated += q[k] <= lo || q[k] >= hi ? 1 : 0;
        }
        acc[0] += ScalarLanes.blockSum(signal, n);
        acc[1] += ScalarLanes.blockSum(noise, n);
        acc[2] = Math.max(acc[2], largest);
        acc[3] += saturated;
    }

    /** The fused sums over a weight's elements: per row with {@code scales.length} rows, else per {@link #CHUNK}. */
    static QuantError fused(StoredElements in, float[] scales, int bits, Parallel parallel) {
        float qmin = Fp32.qmin(bits);
        float qmax = Fp32.qmax(bits);
        int n = in.length();
        int rows = scales.length;
        int part = partLength(n, rows);
        double[][] sums = new double[parts(n, rows)][];
        Lanes lanes = Lanes.best();
        parallel.forRows(sums.length, part, (first, last) -> {
            for (int p = first; p < last; p++) {
                int from = p * part;
                int len = Math.min(part, n - from);
                double[] acc = new double[4];
                in.quantError(lanes, from, len, scales[rows == 1 ? 0 : p], qmin, qmax, acc);
                sums[p] = acc;
            }
        });
        return sum(sums, n);
    }
}
