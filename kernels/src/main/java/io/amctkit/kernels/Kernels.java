package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * The AMCT kernels one backend provides. Every implementation must give the CPU backend's results (the contract
 * suite checks every AMCT reference vector on every backend); {@link #placement()} says where each kernel runs.
 */
public interface Kernels extends AutoCloseable {

    /** ULQ activation forward (asymmetric, as AMCT's pipeline). */
    UlqActivation.Forward ulqForward(INDArray input, ClipState state, int bits, boolean fixedMin);

    /** ULQ activation backward on the forward's effective clips. */
    UlqActivation.Gradients ulqBackward(INDArray input, INDArray gradOutput, float clipMax, float clipMin, int bits);

    /** ARQ weight fake quantization (symmetric, offset 0). */
    ArqWeights.Result arq(INDArray weight, WeightLayout layout, int bits, boolean channelWise);

    /** Weight ULQ forward; {@code scale} null on the first forward (ARQ initialisation). */
    WeightUlq.Forward weightUlqForward(INDArray weight, WeightLayout layout, float[] scale, int bits, boolean channelWise);

    /** Weight ULQ backward. */
    WeightUlq.Gradients weightUlqBackward(INDArray weight, WeightLayout layout, INDArray gradOutput, float[] scale, int bits);

    /** IFMR clip-range search on one (accumulated) calibration batch. */
    Ifmr.Result ifmr(INDArray data, Ifmr.Params params);

    /** 2:4 keep-mask along {@code axis}. */
    INDArray selectiveMask(INDArray weight, int axis);

    /**
     * ARQ's factors and the error of its fake quantization (what a report needs, not the fake-quantized weight). This
     * default runs {@link #arq} and measures on the host; a backend may fuse the two and skip the weight-sized output.
     * The weight may be float32 or bfloat16 (a BF16 checkpoint's, as read: the results are those of its exact float32).
     */
    default ArqWeights.Summary arqSummary(INDArray weight, WeightLayout layout, int bits, boolean channelWise) {
        INDArray w = Tensors.asFloat32(weight);   // a bfloat16 weight, widened exactly
        ArqWeights.Result r = arq(w, layout, bits, channelWise);
        try {
            INDArray original = Tensors.asFloat32(layout.toCoutFirst(w));
            INDArray quantized = Tensors.asFloat32(layout.toCoutFirst(r.fakeQuantized()));
            return new ArqWeights.Summary(r.factors(), QuantError.between(Tensors.floats(original), Tensors.floats(quantized),
                    r.factors().scale(), bits));
        } finally {
            r.fakeQuantized().close();
        }
    }

    /**
     * {@link #selectiveMask}, packed as AMCT's record stores it; the weight float32 or bfloat16, as for
     * {@link #arqSummary}. This default packs the backend's float mask.
     */
    default SelectiveMask.Packed selectiveMaskPacked(INDArray weight, int axis) {
        INDArray mask = selectiveMask(Tensors.asFloat32(weight), axis);
        try {
            return SelectiveMask.pack(mask, axis, Parallel.sequential());
        } finally {
            mask.close();
        }
    }

    /** Balanced-L2 filter pruning of one prune record (its producers). */
    FilterPruner.Result filterPrune(String layer, List<INDArray> producers, int[] pruneAxes, double pruneRatio,
                                    int pruneGroup, boolean ascendOptimized);

    /** {@link #ulqForward} writing into {@code out} (no allocation: for loops that reuse their buffers). */
    UlqActivation.Forward ulqForwardInto(INDArray input, ClipState state, int bits, boolean fixedMin, INDArray out);

    /** {@link #ulqBackward} writing the input gradient into {@code gradInput}. */
    UlqActivation.Gradients ulqBackwardInto(INDArray input, INDArray gradOutput, float clipMax, float clipMin, int bits,
                                            INDArray gradInput);

    /** {@link #arq} writing into {@code out}. */
    ArqWeights.Result arqInto(INDArray weight, WeightLayout layout, int bits, boolean channelWise, INDArray out);

    /** {@link #weightUlqForward} writing into {@code out}. */
    WeightUlq.Forward weightUlqForwardInto(INDArray weight, WeightLayout layout, float[] scale, int bits, boolean channelWise,
                                           INDArray out);

    /** {@link #selectiveMask} writing into {@code out}. */
    INDArray selectiveMaskInto(INDArray weight, int axis, INDArray out);

    /** The deploy model's activation levels ({@code AscendQuant}: rint(x·(1/scale_d) + offset_d), saturated). */
    INDArray deployQuantize(INDArray x, float scaleD, int offsetD, int bits);

    /** Kernel name → where it runs and how (e.g. "device: aclnnFakeQuantPerChannelAffineCachemask" or "host"). */
    Map<String, String> placement();

    @Override
    void close();
}
