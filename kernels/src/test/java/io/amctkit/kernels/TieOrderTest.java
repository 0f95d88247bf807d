package io.amctkit.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tie-order table gives torch's choice (NthElement's) for groups with ties of every shape, on real magnitudes. */
class TieOrderTest {

    @Test
    void theTableIsTorchsSelectionForEveryGroup() {
        java.util.Random r = new java.util.Random(9);
        float[] levels = {0f, 1e-3f, 0.5f, 0.5f, 2f, 3.25f, Float.POSITIVE_INFINITY};
        int withTies = 0;
        for (int t = 0; t < 20_000; t++) {
            float[] a = new float[4];
            for (int j = 0; j < 4; j++) {
                a[j] = r.nextBoolean() ? levels[r.nextInt(levels.length)] : Math.abs((float) r.nextGaussian());
            }
            int[] pruned = NthElement.smallestTwoOfFour(a[0], a[1], a[2], a[3]);
            int expected = 15 & ~(1 << pruned[0]) & ~(1 << pruned[1]);
            assertEquals(expected, TieOrder.kept(bits(a[0]), bits(a[1]), bits(a[2]), bits(a[3])), java.util.Arrays.toString(a));
            withTies += a[0] == a[1] || a[0] == a[2] || a[0] == a[3] || a[1] == a[2] || a[1] == a[3] || a[2] == a[3] ? 1 : 0;
        }
        org.junit.jupiter.api.Assertions.assertTrue(withTies > 2_000, "ties of many shapes: " + withTies);
    }

    private static int bits(float magnitude) {
        return Float.floatToRawIntBits(magnitude);
    }
}
