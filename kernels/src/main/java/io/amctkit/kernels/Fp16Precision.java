package io.amctkit.kernels;

/**
 * FORCE_FP16_QUANT numerics (AMCT {@code cast_fp16_precision} and {@code cast_to_s19}): {@code scale_d} rounded to
 * float16 precision (kept as float32; outside the fp16 normal range via its square root), and {@code deq_scale}
 * truncated to 19 bits (sign, exponent, 10 mantissa bits).
 */
public final class Fp16Precision {

    private static final float FP16_MAX = 65504f;
    private static final float FP16_MIN_NORMAL = 0x1.0p-14f;

    private Fp16Precision() {
    }

    /** scale_d at float16 precision: s in the normal fp16 range → f32(fp16(s)); otherwise f32(fp16(√s))². */
    public static float scaleD(float s) {
        if (s > FP16_MAX || s < FP16_MIN_NORMAL) {
            float h = toHalfAndBack((float) Math.sqrt(s));
            return h * h;
        }
        return toHalfAndBack(s);
    }

    /** deq_scale truncated toward zero to 19 bits: float32 bits & 0xFFFFE000. */
    public static float deqScaleS19(float deqScale) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(deqScale) & 0xFFFFE000);
    }

    /** Round a float32 to the nearest binary16 (ties to even) and widen it back. */
    static float toHalfAndBack(float f) {
        if (Float.isNaN(f) || Float.isInfinite(f)) {
            return f;
        }
        float a = Math.abs(f);
        if (a >= 65520f) {
            return Math.copySign(Float.POSITIVE_INFINITY, f);
        }
        int exp = Math.getExponent(a);
        // fp16 keeps 10 mantissa bits for normals; subnormals have a fixed quantum of 2^-24
        float quantum = exp < -14 ? 0x1.0p-24f : Math.scalb(1f, exp - 10);
        float rounded = (float) (Math.rint(a / quantum) * quantum);
        return Math.copySign(rounded, f);
    }
}
