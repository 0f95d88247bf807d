package io.amctkit.kernels.cpu;

import io.amctkit.kernels.ArqWeights;
import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.FilterPruner;
import io.amctkit.kernels.Ifmr;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.Parallel;
import io.amctkit.kernels.SelectiveMask;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.kernels.WeightLayout;
import io.amctkit.kernels.WeightUlq;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The CPU backend's kernels: the reference kernel classes run on a private thread pool. */
final class CpuKernels implements Kernels {

    private final Parallel parallel;

    CpuKernels(int threads) {
        this.parallel = Parallel.of(threads);
    }

    @Override
    public UlqActivation.Forward ulqForward(INDArray input, ClipState state, int bits, boolean fixedMin) {
        return UlqActivation.forward(input, state, bits, fixedMin, parallel);
    }

    @Override
    public UlqActivation.Gradients ulqBackward(INDArray input, INDArray gradOutput, float clipMax, float clipMin, int bits) {
        return UlqActivation.backward(input, gradOutput, clipMax, clipMin, bits, parallel);
    }

    @Override
    public ArqWeights.Result arq(INDArray weight, WeightLayout layout, int bits, boolean channelWise) {
        return ArqWeights.forward(weight, layout, bits, channelWise, false, parallel);
    }

    @Override
    public WeightUlq.Forward weightUlqForward(INDArray weight, WeightLayout layout, float[] scale, int bits, boolean channelWise) {
        return WeightUlq.forward(weight, layout, scale, bits, channelWise, parallel);
    }

    @Override
    public WeightUlq.Gradients weightUlqBackward(INDArray weight, WeightLayout layout, INDArray gradOutput, float[] scale, int bits) {
        return WeightUlq.backward(weight, layout, gradOutput, scale, bits, parallel);
    }

    @Override
    public Ifmr.Result ifmr(INDArray data, Ifmr.Params params) {
        return Ifmr.run(data, params, parallel);
    }

    @Override
    public ArqWeights.Summary arqSummary(INDArray weight, WeightLayout layout, int bits, boolean channelWise) {
        return ArqWeights.summary(weight, layout, bits, channelWise, parallel);
    }

    @Override
    public SelectiveMask.Packed selectiveMaskPacked(INDArray weight, int axis) {
        return SelectiveMask.packed(weight, axis, parallel);
    }

    @Override
    public INDArray selectiveMask(INDArray weight, int axis) {
        return SelectiveMask.mask(weight, axis, parallel);
    }

    @Override
    public FilterPruner.Result filterPrune(String layer, List<INDArray> producers, int[] pruneAxes, double pruneRatio,
                                           int pruneGroup, boolean ascendOptimized) {
        return FilterPruner.prune(layer, producers, pruneAxes, pruneRatio, pruneGroup, ascendOptimized, parallel);
    }

    @Override
    public UlqActivation.Forward ulqForwardInto(INDArray input, ClipState state, int bits, boolean fixedMin, INDArray out) {
        return UlqActivation.forwardInto(input, state, bits, fixedMin, true, out, parallel);
    }

    @Override
    public UlqActivation.Gradients ulqBackwardInto(INDArray input, INDArray gradOutput, float clipMax, float clipMin, int bits,
                                                   INDArray gradInput) {
        return UlqActivation.backwardInto(input, gradOutput, clipMax, clipMin, bits, true, gradInput, parallel);
    }

    @Override
    public ArqWeights.Result arqInto(INDArray weight, WeightLayout layout, int bits, boolean channelWise, INDArray out) {
        return ArqWeights.forwardInto(weight, layout, bits, channelWise, false, out, parallel);
    }

    @Override
    public WeightUlq.Forward weightUlqForwardInto(INDArray weight, WeightLayout layout, float[] scale, int bits,
                                                  boolean channelWise, INDArray out) {
        return WeightUlq.forwardInto(weight, layout, scale, bits, channelWise, out, parallel);
    }

    @Override
    public INDArray selectiveMaskInto(INDArray weight, int axis, INDArray out) {
        return SelectiveMask.maskInto(weight, axis, out, parallel);
    }

    @Override
    public INDArray deployQuantize(INDArray x, float scaleD, int offsetD, int bits) {
        return io.amctkit.kernels.DeployQuant.quantize(x, scaleD, offsetD, bits);
    }

    @Override
    public Map<String, String> placement() {
        Map<String, String> where = new LinkedHashMap<>();
        for (String k : List.of("ulq_forward", "ulq_backward", "arq", "weight_ulq_forward", "weight_ulq_backward",
                "ifmr", "selective_mask", "filter_prune", "deploy_quantize")) {
            where.put(k, "host (" + parallel.threads() + " threads)");
        }
        return where;
    }

    @Override
    public void close() {
        parallel.close();
    }
}
