package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * ULQ activation fake quantization (AMCT {@code ulq_retrain_forward/backward_pytorch}), asymmetric as the real
 * pipeline always is. Forward: fixed_min zeroes clip_min; then exactly one fallback applies — clip_max == clip_min
 * (AMCT's {@code (cmax − cmin).all() <= FLT_EPSILON} quirk) restores both previous clips, a negative clip_max
 * restores clip_max_pre, a positive clip_min restores clip_min_pre — and the input is fake-quantized with
 * {@link ScaleOffset#calculate}. Backward: straight-through inside the effective clip range, LSQ-style gradients for
 * both clips.
 */
public final class UlqActivation {

    /** The forward's output, factors and the effective clips (the new clip state and the backward's inputs). */
    public record Forward(INDArray output, float scale, int offset, float clipMax, float clipMin) {
    }

    /** Gradients with respect to the input and to both clips. */
    public record Gradients(INDArray gradInput, float gradClipMax, float gradClipMin) {
    }

    private UlqActivation() {
    }

    /** The effective clips AMCT uses for this forward: {clip_max, clip_min}. */
    public static float[] effectiveClips(ClipState state, boolean fixedMin) {
        float cmax = state.clipMax();
        float cmin = fixedMin ? 0f : state.clipMin();
        if (cmax == cmin) {
            cmax = state.clipMaxPre();
            cmin = state.clipMinPre();
        } else if (cmax < 0) {
            cmax = state.clipMaxPre();
        } else if (cmin > 0) {
            cmin = state.clipMinPre();
        }
        return new float[]{cmax, cmin};
    }

    /** The scale and offset the forward uses for {@code state} (asymmetric, as the real pipeline): scale_d and offset_d. */
    public static ScaleOffset factors(ClipState state, int bits, boolean fixedMin) {
        return factors(effectiveClips(state, fixedMin), true, bits);
    }

    private static ScaleOffset factors(float[] clips, boolean asymmetric, int bits) {
        return ScaleOffset.calculate(new float[]{clips[0]}, new float[]{clips[1]}, asymmetric, bits);
    }

    /** The real pipeline's forward: asymmetric. */
    public static Forward forward(INDArray input, ClipState state, int bits, boolean fixedMin, Parallel parallel) {
        return forward(input, state, bits, fixedMin, true, parallel);
    }

    public static Forward forward(INDArray input, ClipState state, int bits, boolean fixedMin, boolean asymmetric,
                                  Parallel parallel) {
        return forwardInto(input, state, bits, fixedMin, asymmetric, Tensors.newFloat32(input.shape()), parallel);
    }

    /** The forward writing its output into {@code out} (a contiguous float32 array of the input's size). */
    public static Forward forwardInto(INDArray input, ClipState state, int bits, boolean fixedMin, boolean asymmetric,
                                      INDArray out, Parallel parallel) {
        INDArray x = Tensors.asFloat32(input);
        FloatBuffer in = Tensors.floats(x);
        FloatBuffer o = Tensors.floats(Tensors.requireOutput(out, x, "the ULQ output"));
        float[] clips = effectiveClips(state, fixedMin);
        ScaleOffset f = factors(clips, asymmetric, bits);
        parallel.forRange(in.limit(), (from, to) -> {
            int bad = FakeQuant.apply(in, o, from, to, f, in.limit(), bits);
            if (bad >= 0) {
                throw new KernelException("The activation to be quantized has invalid value " + in.get(bad) + " at flat index "
                        + bad + " (AMCT: \"has invalid value inf or nan!\"); clean the data or skip this layer");
            }
        });
        return new Forward(out, f.scale(0), f.offset(0), clips[0], clips[1]);
    }

    /**
     * One block of the backward, in two loops: the first (element-wise, vectorizable) writes dx = g inside the clip
     * range and 0 outside, and the two clip-gradient terms (e + U)·g and (L − e)·g; the second sums the terms in
     * double over four lanes ({@code lanes[0..3]}: clip_max, {@code lanes[4..7]}: clip_min). e is scaled by the
     * reciprocal of 2^b − 1 instead of a division: it only enters these sums, whose reduction order already makes them
     * differ from torch's by up to ~1e-7·Σ|term| (algorithms.md §2.3); dx is exact.
     */
    private static void gradientBlock(float[] xs, float[] gs, float[] dx, float[] ta, float[] tb, int len, float hi,
                                      float lo, float clipMax, float clipMin, float s, float invLevels, double[] lanes) {
        Lanes.best().ulqGradient(xs, gs, dx, ta, tb, len, hi, lo, clipMax, clipMin, s, invLevels);
        double m0 = 0;
        double m1 = 0;
        double m2 = 0;
        double m3 = 0;
        double n0 = 0;
        double n1 = 0;
        double n2 = 0;
        double n3 = 0;
        int k = 0;
        for (; k + 3 < len; k += 4) {
            m0 += ta[k];
            m1 += ta[k + 1];
            m2 += ta[k + 2];
            m3 += ta[k + 3];
            n0 += tb[k];
            n1 += tb[k + 1];
            n2 += tb[k + 2];
            n3 += tb[k + 3];
        }
        for (; k < len; k++) {
            m0 += ta[k];
            n0 += tb[k];
        }
        lanes[0] += m0;
        lanes[1] += m1;
        lanes[2] += m2;
        lanes[3] += m3;
        lanes[4] += n0;
        lanes[5] += n1;
        lanes[6] += n2;
        lanes[7] += n3;
    }

    /** The backward on the effective clips of the forward ({@code fwd.clipMax()}, {@code fwd.clipMin()}). */
    public static Gradients backward(INDArray input, INDArray gradOutput, float clipMax, float clipMin, int bits,
                                     Parallel parallel) {
        return backward(input, gradOutput, clipMax, clipMin, bits, true, parallel);
    }

    public static Gradients backward(INDArray input, INDArray gradOutput, float clipMax, float clipMin, int bits,
                                     boolean asymmetric, Parallel parallel) {
        return backwardInto(input, gradOutput, clipMax, clipMin, bits, asymmetric, Tensors.newFloat32(input.shape()), parallel);
    }

    /** The backward writing the input gradient into {@code gradInput}. */
    public static Gradients backwardInto(INDArray input, INDArray gradOutput, float clipMax, float clipMin, int bits,
                                         boolean asymmetric, INDArray gradInput, Parallel parallel) {
        INDArray x = Tensors.asFloat32(input);
        INDArray g = Tensors.asFloat32(gradOutput);
        if (x.length() != g.length()) {
            throw new KernelException("grad_output has " + g.length() + " elements but the input has " + x.length());
        }
        FloatBuffer in = Tensors.floats(x);
        FloatBuffer go = Tensors.floats(g);
        ScaleOffset f = ScaleOffset.calculate(new float[]{clipMax}, new float[]{clipMin}, asymmetric, bits);
        float s = f.scale(0);
        int off = f.offset(0);
        float hi = s * (float) (((1L << (bits - 1)) - 1) - off);
        float lo = s * (float) (-(1L << (bits - 1)) - off);
        float levels = (float) ((1L << bits) - 1);
        INDArray gradIn = Tensors.requireOutput(gradInput, x, "the ULQ input gradient");
        FloatBuffer gi = Tensors.floats(gradIn);
        double[] sums = parallel.reduceRanges(in.limit(), 2, (from, to, acc) -> {
            int size = Math.min(FakeQuant.BLOCK, Math.max(4, to - from));
            float[] xs = new float[size];
            float[] gs = new float[size];
            float[] dx = new float[size];
            float[] ta = new float[size];
            float[] tb = new float[size];
            double[] lanes = new double[8];
            for (int i = from; i < to; i += size) {
                int len = Math.min(size, to - i);
                in.get(i, xs, 0, len);
                go.get(i, gs, 0, len);
                gradientBlock(xs, gs, dx, ta, tb, len, hi, lo, clipMax, clipMin, s, 1f / levels, lanes);
                gi.put(i, dx, 0, len);
            }
            acc[0] += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
            acc[1] += (lanes[4] + lanes[5]) + (lanes[6] + lanes[7]);
        });
        return new Gradients(gradIn, (float) sums[0], (float) sums[1]);
    }
}
