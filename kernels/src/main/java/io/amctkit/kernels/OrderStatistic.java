package io.amctkit.kernels;

import java.util.Arrays;

/**
 * The k-th largest or smallest value of a float array in {@link Arrays#sort(float[])}'s order (−0 before +0), as
 * IFMR's percentiles need: for small k (the usual 0.999999 percentile gives k ≈ n·10⁻⁶) one pass keeping the k most
 * extreme values, otherwise a sorted copy.
 */
final class OrderStatistic {

    /** Up to this k, one pass with a k-element buffer; beyond, a sorted copy. */
    static final int SMALL_K = 256;

    private OrderStatistic() {
    }

    /** The {@code k}-th largest value of {@code d} (k = 1: the largest); {@code d} holds no NaN. */
    static float kthLargest(float[] d, int k) {
        requireRank(d, k);
        if (k > SMALL_K) {
            float[] sorted = d.clone();
            Arrays.sort(sorted);
            return sorted[d.length - k];
        }
        float[] top = new float[k];   // ascending: top[0] is the k-th largest so far
        int count = 0;
        for (float v : d) {
            if (count < k) {
                count = insert(top, count, v);
            } else if (v >= top[0] && Float.compare(v, top[0]) > 0) {
                System.arraycopy(top, 1, top, 0, k - 1);   // drop the smallest, then place v
                insert(top, k - 1, v);
            }
        }
        return top[0];
    }

    /** The {@code k}-th smallest value of {@code d} (k = 1: the smallest); {@code d} holds no NaN. */
    static float kthSmallest(float[] d, int k) {
        requireRank(d, k);
        if (k > SMALL_K) {
            float[] sorted = d.clone();
            Arrays.sort(sorted);
            return sorted[k - 1];
        }
        float[] low = new float[k];   // ascending: low[k − 1] is the k-th smallest so far
        int count = 0;
        for (float v : d) {
            if (count < k) {
                count = insert(low, count, v);
            } else if (v <= low[k - 1] && Float.compare(v, low[k - 1]) < 0) {
                insert(low, k - 1, v);   // overwrites the largest of the k
            }
        }
        return low[k - 1];
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
