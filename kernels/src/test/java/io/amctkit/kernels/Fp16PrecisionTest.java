package io.amctkit.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** FORCE_FP16_QUANT vectors F1–F7 of algorithms.md §8.3. */
class Fp16PrecisionTest {

    private static void bits(int expected, float actual) {
        assertEquals(Integer.toHexString(expected), Integer.toHexString(Float.floatToRawIntBits(actual)));
    }

    @Test
    void scaleDIsRoundedToFloat16Precision() {
        bits(0x3bc0c000, Fp16Precision.scaleD(Float.intBitsToFloat(0x3bc0c0c1)));
        bits(0x3b808000, Fp16Precision.scaleD(Float.intBitsToFloat(0x3b808081)));
        bits(0x37fbb880, Fp16Precision.scaleD(Float.intBitsToFloat(0x37fba882)));
        bits(0x3dccc000, Fp16Precision.scaleD(0.1f));
        bits(0x4788a420, Fp16Precision.scaleD(70000f));
    }

    @Test
    void deqScaleIsTruncatedTo19Bits() {
        bits(0x381a2000, Fp16Precision.deqScaleS19(Float.intBitsToFloat(0x381a33ce)));
        bits(0x3dccc000, Fp16Precision.deqScaleS19(0.1f));
    }
}
