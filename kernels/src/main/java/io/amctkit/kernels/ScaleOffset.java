package io.amctkit.kernels;

import java.util.Arrays;

/**
 * Quantization factors, one per tensor or one per output channel: AMCT's {@code calculate_scale_offset} (min-max,
 * asymmetric for activations or symmetric for weights with the 127/128 rule) followed by {@code process_scale}.
 */
public record ScaleOffset(float[] scale, int[] offset) {

    public ScaleOffset {
        if (scale.length != offset.length || scale.length == 0) {
            throw new IllegalArgumentException("scale and offset need the same non-zero length");
        }
        scale = scale.clone();
        offset = offset.clone();
    }

    public static ScaleOffset of(float scale, int offset) {
        return new ScaleOffset(new float[]{scale}, new int[]{offset});
    }

    public int channels() {
        return scale.length;
    }

    public float scale(int channel) {
        return scale[scale.length == 1 ? 0 : channel];
    }

    public int offset(int channel) {
        return offset[offset.length == 1 ? 0 : channel];
    }

    @Override
    public float[] scale() {
        return scale.clone();
    }

    @Override
    public int[] offset() {
        return offset.clone();
    }

    /**
     * {@code calculate_scale_offset(max, min, asymmetric, INT<bits>)} in float32. Asymmetric: the range is widened to
     * contain 0, scale = (max − min)/(2^b − 1), offset = −ceil((2^b − 1)/2) − min/scale. Symmetric: scale =
     * max(|max|, |min|)/(2^(b−1) − 1), or /2^(b−1) when |max| &lt; |min|; offset 0. Then scales below FLT_EPSILON
     * become 1 (and, asymmetric, the offset −2^(b−1)), and offsets are rounded half to even.
     */
    public static ScaleOffset calculate(float[] max, float[] min, boolean asymmetric, int bits) {
        if (max.length != min.length) {
            throw new IllegalArgumentException("max and min need the same length");
        }
        int n = max.length;
        float[] scale = new float[n];
        int[] offset = new int[n];
        for (int i = 0; i < n; i++) {
            float s;
            float o;
            if (asymmetric) {
                float hi = Math.max(max[i], 0f);
                float lo = Math.min(min[i], 0f);
                float scope = (float) ((1L << bits) - 1);
                s = (hi - lo) / scope;
                float half = (float) Math.ceil(scope / 2.0);
                o = hi != lo ? -half - lo / s : -half;
                if (s < Fp32.FLT_EPSILON) {
                    o = -(float) (1L << (bits - 1));
                    s = 1f;
                }
            } else {
                float absMax = Math.abs(max[i]);
                float absMin = Math.abs(min[i]);
                float scope = (float) ((absMax < absMin ? 1 : 0) + (1L << (bits - 1)) - 1);
                float bound = absMax > absMin ? absMax : absMin;
                s = bound / scope;
                o = 0f;
                if (s < Fp32.FLT_EPSILON) {
                    s = 1f;
                }
            }
            if (!Float.isFinite(s) || !Float.isFinite(1f / s) || !Float.isFinite(o)) {
                throw new KernelException("Param scale has invalid value inf, nan or zeros! (max=" + max[i] + ", min="
                        + min[i] + " at channel " + i + ")");
            }
            scale[i] = s;
            offset[i] = (int) Fp32.rint(o);
        }
        return new ScaleOffset(scale, offset);
    }

    /**
     * AMCT's {@code process_scale}: scales below FLT_EPSILON become 1.0 and, with an offset, their offsets
     * −2^(bits−1); non-finite results are rejected. Returns {scale, offset} (offsets not yet rounded).
     */
    public static float[][] processScale(float[] scale, float[] offset, boolean withOffset, int bits) {
        float[] s = scale.clone();
        float[] o = offset.clone();
        for (int i = 0; i < s.length; i++) {
            if (s[i] < Fp32.FLT_EPSILON) {
                if (withOffset) {
                    o[i] = -(float) (1L << (bits - 1));
                }
                s[i] = 1f;
            }
            if (!Float.isFinite(s[i]) || !Float.isFinite(1f / s[i]) || !Float.isFinite(o[i])) {
                throw new KernelException("Param scale has invalid value inf, nan or zeros! (channel " + i + ")");
            }
        }
        return new float[][]{s, o};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScaleOffset other && Arrays.equals(scale, other.scale) && Arrays.equals(offset, other.offset);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(scale) + Arrays.hashCode(offset);
    }

    @Override
    public String toString() {
        return "ScaleOffset" + (scale.length == 1 ? "(scale=" + scale[0] + ", offset=" + offset[0] + ")"
                : "(" + scale.length + " channels, scale=" + Arrays.toString(scale) + ", offset=" + Arrays.toString(offset) + ")");
    }
}
