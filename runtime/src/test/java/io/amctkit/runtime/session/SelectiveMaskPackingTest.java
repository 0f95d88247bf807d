package io.amctkit.runtime.session;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** AMCT's packed 2:4 mask: the spec's test vector, and a round trip. */
class SelectiveMaskPackingTest {

    @Test
    void theSpecVectorPacksTo53356() {
        float[] mask = {0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1};
        assertArrayEquals(new long[]{53356L}, SelectiveMaskPacking.pack(FloatBuffer.wrap(mask)));
        assertArrayEquals(mask, SelectiveMaskPacking.unpack(new long[]{53356L}, 12));
    }

    @Test
    void longMasksRoundTrip() {
        Random r = new Random(5);
        float[] mask = new float[1000];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = r.nextBoolean() ? 1f : 0f;
        }
        long[] packed = SelectiveMaskPacking.pack(FloatBuffer.wrap(mask));
        assertArrayEquals(new long[]{(1000 / 8 + 7) / 8}, new long[]{packed.length});
        assertArrayEquals(mask, SelectiveMaskPacking.unpack(packed, 1000));
    }
}
