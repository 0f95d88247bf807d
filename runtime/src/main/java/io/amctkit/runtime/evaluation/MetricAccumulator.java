package io.amctkit.runtime.evaluation;

import java.util.OptionalDouble;

/** Accumulates {@link OutputMetrics} for one output, one sample at a time (nothing but running sums is kept). */
public final class MetricAccumulator {

    private final String name;
    private double signal;
    private double noise;
    private double maxAbs;
    private double cosineSum;
    private double cosineMin = Double.POSITIVE_INFINITY;
    private long samples;
    private long rows;
    private long agreeing;
    private boolean classScores = true;

    public MetricAccumulator(String name) {
        this.name = name;
    }

    /** One sample's output: the float model's {@code reference}, the compressed model's {@code actual}, its shape. */
    public void add(float[] reference, float[] actual, long[] shape) {
        if (reference.length != actual.length) {
            throw new IllegalArgumentException("output " + name + " has " + actual.length + " values where the float model has "
                    + reference.length);
        }
        double dot = 0;
        double rr = 0;
        double aa = 0;
        for (int i = 0; i < reference.length; i++) {
            double r = reference[i];
            double a = actual[i];
            double d = a - r;
            signal += r * r;
            noise += d * d;
            maxAbs = Math.max(maxAbs, Math.abs(d));
            dot += r * a;
            rr += r * r;
            aa += a * a;
        }
        double cosine = rr == 0 && aa == 0 ? 1 : (rr == 0 || aa == 0 ? 0 : dot / Math.sqrt(rr * aa));
        cosineSum += cosine;
        cosineMin = Math.min(cosineMin, cosine);
        samples++;
        int last = shape.length == 0 ? 1 : (int) shape[shape.length - 1];
        if (last <= 1) {
            classScores = false;
            return;
        }
        for (int row = 0; row + last <= reference.length; row += last) {
            rows++;
            agreeing += argmax(reference, row, last) == argmax(actual, row, last) ? 1 : 0;
        }
    }

    /** The index (from {@code from}) of the first largest of {@code length} values. */
    public static int argmax(float[] v, int from, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (v[from + i] > v[from + best]) {
                best = i;
            }
        }
        return best;
    }

    public OutputMetrics result() {
        double sqnr = noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
        return new OutputMetrics(name, sqnr, samples == 0 ? Double.NaN : cosineSum / samples,
                samples == 0 ? Double.NaN : cosineMin, maxAbs,
                classScores && rows > 0 ? OptionalDouble.of((double) agreeing / rows) : OptionalDouble.empty());
    }
}
