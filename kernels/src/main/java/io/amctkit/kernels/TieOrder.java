package io.amctkit.kernels;

/**
 * Which two of a group of 4 magnitudes torch's CPU topk prunes ({@link NthElement}), looked up by the group's order
 * pattern: the outcome (less, equal, greater) of its six pairwise comparisons. NthElement only compares, so its choice
 * is a function of that pattern; the table is filled from it once, over every pattern four values can make. For the 2:4
 * words with ties, where a lookup replaces a selection per group.
 */
final class TieOrder {

    /** Pattern index to the kept positions, bit j for position j. */
    private static final byte[] KEPT = table();

    private TieOrder() {
    }

    /** Positions kept (bit j: position j) of the magnitudes {@code a0..a3} (no NaN; compared as ints or as floats). */
    static int kept(int a0, int a1, int a2, int a3) {
        return KEPT[pattern(a0, a1, a2, a3)];
    }

    private static int pattern(int a0, int a1, int a2, int a3) {
        return outcome(a0, a1) + 3 * (outcome(a0, a2) + 3 * (outcome(a0, a3) + 3 * (outcome(a1, a2)
                + 3 * (outcome(a1, a3) + 3 * outcome(a2, a3)))));
    }

    /** 0, 1 or 2 for less, equal, greater. */
    private static int outcome(int x, int y) {
        return Integer.compare(x, y) + 1;
    }

    private static byte[] table() {
        byte[] kept = new byte[729];
        java.util.Arrays.fill(kept, (byte) -1);
        // every weak order of four values is made by some tuple of 0..3
        for (int t = 0; t < 256; t++) {
            int a0 = t & 3;
            int a1 = t >> 2 & 3;
            int a2 = t >> 4 & 3;
            int a3 = t >> 6 & 3;
            int[] pruned = NthElement.smallestTwoOfFour(a0, a1, a2, a3);
            byte bits = (byte) (15 & ~(1 << pruned[0]) & ~(1 << pruned[1]));
            int p = pattern(a0, a1, a2, a3);
            if (kept[p] != -1 && kept[p] != bits) {
                throw new IllegalStateException("torch's tie order is not a function of the comparisons at " + p);
            }
            kept[p] = bits;
        }
        return kept;
    }
}
