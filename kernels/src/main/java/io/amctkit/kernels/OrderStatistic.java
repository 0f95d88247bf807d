package io.amctkit.kernels;

import java.util.Arrays;

/**
 * The k-th largest and smallest values of a float array in {@link Arrays#sort(float[])}'s order (−0 before +0), as
 * IFMR's percentiles need: for small k (the usual 0.999999 percentile gives k ≈ n·10⁻⁶) one pass keeping the k most
 * extreme values on each side, otherwise a sorted copy.
 */
final class OrderStatistic {

    /** Up to this k, one pass with a k-element buffer; beyond, a sorted copy. */
    static final int SMALL_K = 256;

    private OrderStatistic() {
    }

    /** The k-th largest and k-th smallest values, or where the first NaN or ±Infinity is (then the values are NaN). */
    record Extremes(float largest, float smallest, int firstNotFinite) {
    }

    /**
     * The {@code kLargest}-th largest and {@code kSmallest}-th smallest values of {@code d} in one pass, which also finds
     * the first value that is not finite (IFMR rejects those).
     */
    static Extremes of(float[] d, int kLargest, int kSmallest) {
        requireRank(d, kLargest);
        requireRank(d, kSmallest);
        if (kLargest > SMALL_K || kSmallest > SMALL_K) {
            for (int i = 0; i < d.length; i++) {
                if (!Float.isFinite(d[i])) {
                    return new Extremes(Float.NaN, Float.NaN, i);
                }
            }
            float[] sorted = d.clone();
            Arrays.sort(sorted);
            return new Extremes(sorted[d.length - kLargest], sorted[kSmallest - 1], -1);
        }
        float[] top = new float[kLargest];     // ascending: top[0] is the k-th largest so far
        float[] low = new float[kSmallest];    // ascending: low[k − 1] is the k-th smallest so far
        int countTop = 0;
        int countLow = 0;
        for (int i = 0; i < d.length; i++) {
            float v = d[i];
            if (v - v != 0f) {   // NaN − NaN and ∞ − ∞ are NaN; every finite v − v is 0
                return new Extremes(Float.NaN, Float.NaN, i);
            }
            if (countTop < kLargest) {
                countTop = insert(top, countTop, v);
            } else if (v >= top[0] && Float.compare(v, top[0]) > 0) {
                System.arraycopy(top, 1, top, 0, kLargest - 1);
                insert(top, kLargest - 1, v);
            }
            if (countLow < kSmallest) {
                countLow = insert(low, countLow, v);
            } else if (v <= low[kSmallest - 1] && Float.compare(v, low[kSmallest - 1]) < 0) {
                insert(low, kSmallest - 1, v);
            }
        }
        return new Extremes(top[0], low[kSmallest - 1], -1);
    }

    /** Inserts {@code v} into the ascending {@code a[0, count)}; returns the new count. */
    private static int insert(float[] a, int count, float v) {
        int i = count;
        while (i > 0 && Float.compare(a[i - 1], v) > 0) {
            a[i] = a[i - 1];
            i--;
        }
        a[i] = v;
        return count + 1;
    }

    private static void requireRank(float[] d, int k) {
        if (k < 1 || k > d.length) {
            throw new KernelException("IFMR percentile rank " + k + " is outside 1.." + d.length
                    + " for " + d.length + " values; the percentile must lie in (0, 1]");
        }
    }
}
