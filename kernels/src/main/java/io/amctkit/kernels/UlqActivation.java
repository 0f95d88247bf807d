package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;

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
        ByteBuffer in = Tensors.bytes(x);
        ByteBuffer o = Tensors.bytes(Tensors.requireOutput(out, x, "the ULQ output"));
        int n = (int) x.length();
        float[] clips = effectiveClips(state, fixedMin);
        ScaleOffset f = factors(clips, asymmetric, bits);
        parallel.forRange(n, (from, to) -> {
            int bad = FakeQuant.apply(in, o, from, to, f, n, bits, true);
            if (bad >= 0) {
                throw new KernelException("The activation to be quantized has invalid value " + in.getFloat(bad * Float.BYTES) + " at flat index "
                        + bad + " (AMCT: \"has invalid value inf or nan!\"); clean the data or skip this layer");
            }
        });
        return new Forward(out, f.scale(0), f.offset(0), clips[0], clips[1]);
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
        ByteBuffer in = Tensors.bytes(x);
        ByteBuffer go = Tensors.bytes(g);
        int n = (int) x.length();
        ScaleOffset f = ScaleOffset.calculate(new float[]{clipMax}, new float[]{clipMin}, asymmetric, bits);
        float s = f.scale(0);
        int off = f.offset(0);
        float hi = s * (float) (((1L << (bits - 1)) - 1) - off);
        float lo = s * (float) (-(1L << (bits - 1)) - off);
        float invLevels = 1f / (float) ((1L << bits) - 1);
        INDArray gradIn = Tensors.requireOutput(gradInput, x, "the ULQ input gradient");
        ByteBuffer gi = Tensors.bytes(gradIn);
        Lanes lanes = Lanes.best();
        double[] sums = parallel.reduceRanges(n, 2, (from, to, acc) ->
                lanes.ulqGradient(in, go, gi, from, to - from, hi, lo, clipMax, clipMin, s, invLevels, acc));
        return new Gradients(gradIn, (float) sums[0], (float) sums[1]);
    }
}
