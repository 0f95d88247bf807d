package io.amctkit.kernels;

/** float32 helpers with AMCT's semantics: round half to even ({@code torch.round}), FLT_EPSILON compared as float32. */
final class Fp32 {

    /** FLT_EPSILON = 1.192092896e-7 as torch compares it with a float32 tensor: 2^-23. */
    static final float FLT_EPSILON = (float) 1.192092896e-07;

    private Fp32() {
    }

    /** torch.round: half to even. */
    static float rint(float v) {
        return (float) Math.rint(v);
    }

    /** 1.5·2^23: adding and subtracting it rounds a float of magnitude ≤ 2^22 half to even (IEEE default rounding). */
    static final float ROUNDER = 12582912f;

    /** Smallest and largest integer of a signed n-bit type. */
    static float qmin(int bits) {
        return -(float) (1L << (bits - 1));
    }

    static float qmax(int bits) {
        return (float) ((1L << (bits - 1)) - 1);
    }
}
