package io.amctkit.runtime.session;

import java.nio.FloatBuffer;

/** Checks a 2:4 mask: along the Cin axis every group of 4 (a short last group included) keeps at most 2. */
final class TwoFour {

    private TwoFour() {
    }

    static boolean compliant(FloatBuffer mask, long[] shape, int axis) {
        int c = (int) shape[axis];
        if (c <= 2) {
            return true;
        }
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= (int) shape[d];
        }
        int outer = mask.limit() / (c * inner);
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < inner; k++) {
                int base = o * c * inner + k;
                for (int g = 0; g < c; g += 4) {
                    int kept = 0;
                    for (int j = g; j < Math.min(c, g + 4); j++) {
                        kept += mask.get(base + j * inner) != 0f ? 1 : 0;
                    }
                    if (kept > 2) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
