package io.amctkit.kernels;

/**
 * The two smallest of four values exactly as {@code torch.topk(k=2, largest=False)} picks them on the CPU: torch 1.13
 * runs libstdc++'s {@code std::nth_element} (introselect: median-of-three pivot, unguarded partition, then insertion
 * sort of three or fewer) on (value, index) pairs ordered by value. Ties therefore follow that algorithm, not a simple
 * index rule.
 */
final class NthElement {

    private NthElement() {
    }

    /** Positions (0..3) of the two values topk(2, largest=False) selects; {@code v} is not modified. */
    static int[] smallestTwoOfFour(float v0, float v1, float v2, float v3) {
        float[] val = {v0, v1, v2, v3};
        int[] idx = {0, 1, 2, 3};
        int first = 0;
        int last = 4;
        int nth = 1;
        while (last - first > 3) {
            int mid = first + (last - first) / 2;
            moveMedianToFirst(val, idx, first, first + 1, mid, last - 1);
            int cut = unguardedPartition(val, idx, first + 1, last, first);
            if (cut <= nth) {
                first = cut;
            } else {
                last = cut;
            }
        }
        insertionSort(val, idx, first, last);
        return new int[]{idx[0], idx[1]};
    }

    private static boolean less(float a, float b) {
        return (a == a && b != b) || a < b;
    }

    private static void swap(float[] v, int[] x, int a, int b) {
        float tv = v[a];
        v[a] = v[b];
        v[b] = tv;
        int ti = x[a];
        x[a] = x[b];
        x[b] = ti;
    }

    private static void moveMedianToFirst(float[] v, int[] x, int result, int a, int b, int c) {
        if (less(v[a], v[b])) {
            if (less(v[b], v[c])) {
                swap(v, x, result, b);
            } else if (less(v[a], v[c])) {
                swap(v, x, result, c);
            } else {
                swap(v, x, result, a);
            }
        } else if (less(v[a], v[c])) {
            swap(v, x, result, a);
        } else if (less(v[b], v[c])) {
            swap(v, x, result, c);
        } else {
            swap(v, x, result, b);
        }
    }

    private static int unguardedPartition(float[] v, int[] x, int first, int last, int pivot) {
        while (true) {
            while (less(v[first], v[pivot])) {
                first++;
            }
            last--;
            while (less(v[pivot], v[last])) {
                last--;
            }
            if (!(first < last)) {
                return first;
            }
            swap(v, x, first, last);
            first++;
        }
    }

    private static void insertionSort(float[] v, int[] x, int first, int last) {
        if (first == last) {
            return;
        }
        for (int i = first + 1; i < last; i++) {
            float val = v[i];
            int id = x[i];
            if (less(val, v[first])) {
                System.arraycopy(v, first, v, first + 1, i - first);
                System.arraycopy(x, first, x, first + 1, i - first);
                v[first] = val;
                x[first] = id;
            } else {
                int j = i;
                while (less(val, v[j - 1])) {
                    v[j] = v[j - 1];
                    x[j] = x[j - 1];
                    j--;
                }
                v[j] = val;
                x[j] = id;
            }
        }
    }
}
