package io.amctkit.kernels.ascend;

import io.amctkit.kernels.ArqWeights;
import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.FilterPruner;
import io.amctkit.kernels.Ifmr;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.ScaleOffset;
import io.amctkit.kernels.Tensors;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.kernels.WeightLayout;
import io.amctkit.kernels.WeightUlq;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernels on an Ascend NPU: the ARQ and weight-ULQ forward fake quantization run on the device (their scales come
 * from the host, where AMCT's 127/128 rule lives); everything the device ops do not compute as AMCT does runs on the
 * host CPU kernels, as {@link #placement()} says per kernel. Tensors below {@code minElements} stay on the host.
 */
final class AscendKernels implements Kernels {

    private final Cann cann;
    private final Kernels host;
    private final DeviceFakeQuant fakeQuant;
    private final DeviceQuant quant;
    private final long minElements;
    private final int device;
    private final Pointer context;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    AscendKernels(Cann cann, Kernels host, long minElements, int device) {
        this(cann, host, minElements, device, true);
    }

    /**
     * With {@code bindEachCall} false the context is current only on the constructing thread, as when it was made with
     * {@code aclrtSetDevice} alone: for the test that shows why every call binds it.
     */
    AscendKernels(Cann cann, Kernels host, long minElements, int device, boolean bindEachCall) {
        this.cann = cann;
        this.host = host;
        this.minElements = minElements;
        this.device = device;
        // one context for the device, made current on whichever thread runs a kernel (ACL contexts belong to threads)
        PointerByReference created = new PointerByReference();
        DeviceScope.check("aclrtCreateContext", cann.acl().aclrtCreateContext(created, device));
        this.context = created.getValue();
        Pointer bind = bindEachCall ? context : null;
        this.fakeQuant = new DeviceFakeQuant(cann, bind);
        this.quant = new DeviceQuant(cann, bind);
    }

    /** Large enough, finite, and an output of the weight's shape (otherwise the host path, which also names the problem). */
    private boolean onDevice(INDArray weight, INDArray out) {
        return weight.length() >= minElements && weight.length() > 0 && out != null
                && java.util.Arrays.equals(out.shape(), weight.shape()) && finite(weight);
    }

    @Override
    public ArqWeights.Result arq(INDArray weight, WeightLayout layout, int bits, boolean channelWise) {
        return arqInto(weight, layout, bits, channelWise, Tensors.newFloat32(weight.shape()));
    }

    @Override
    public ArqWeights.Result arqInto(INDArray weight, WeightLayout layout, int bits, boolean channelWise, INDArray out) {
        if (!onDevice(weight, out)) {
            return host.arqInto(weight, layout, bits, channelWise, out);   // the host names NaN/Inf as AMCT does
        }
        float[] scales = WeightUlq.initialScale(weight, layout, bits, channelWise, io.amctkit.kernels.Parallel.sequential());
        quantize(weight, layout, scales, bits, out);
        return new ArqWeights.Result(out, new ScaleOffset(scales, new int[scales.length]));
    }

    @Override
    public WeightUlq.Forward weightUlqForward(INDArray weight, WeightLayout layout, float[] scale, int bits, boolean channelWise) {
        return weightUlqForwardInto(weight, layout, scale, bits, channelWise, Tensors.newFloat32(weight.shape()));
    }

    @Override
    public WeightUlq.Forward weightUlqForwardInto(INDArray weight, WeightLayout layout, float[] scale, int bits,
                                                  boolean channelWise, INDArray out) {
        if (!onDevice(weight, out) || (scale != null && (scale.length == 0 || weight.length() % scale.length != 0))) {
            return host.weightUlqForwardInto(weight, layout, scale, bits, channelWise, out);
        }
        float[] s = scale == null ? WeightUlq.initialScale(weight, layout, bits, channelWise, io.amctkit.kernels.Parallel.sequential())
                : scale.clone();
        quantize(weight, layout, s, bits, out);
        return new WeightUlq.Forward(out, s);
    }

    private void quantize(INDArray weight, WeightLayout layout, float[] scales, int bits, INDArray out) {
        INDArray w = Tensors.asFloat32(layout.toCoutFirst(Tensors.asFloat32(weight))).dup('c');
        INDArray coutFirst = scales.length > 1 ? w.reshape('c', scales.length, w.length() / scales.length) : w;
        INDArray target = Tensors.newFloat32(coutFirst.shape());
        fakeQuant.run(coutFirst, scales, bits, target);
        INDArray shaped = target.reshape('c', w.shape());
        out.assign(layout.transposed() ? layout.fromCoutFirst(shaped, weight.shape()) : shaped.reshape('c', weight.shape()));
    }

    private static boolean finite(INDArray a) {
        java.nio.FloatBuffer b = Tensors.floats(Tensors.asFloat32(a));
        for (int i = 0; i < b.limit(); i++) {
            float v = b.get(i);
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public INDArray deployQuantize(INDArray x, float scaleD, int offsetD, int bits) {
        if (bits != 8 || x.length() < minElements || x.length() == 0 || !finite(x)) {
            return host.deployQuantize(x, scaleD, offsetD, bits);
        }
        return quant.run(Tensors.asFloat32(x).dup('c'), scaleD, offsetD);
    }

    @Override
    public UlqActivation.Forward ulqForward(INDArray input, ClipState state, int bits, boolean fixedMin) {
        return host.ulqForward(input, state, bits, fixedMin);
    }

    @Override
    public UlqActivation.Gradients ulqBackward(INDArray input, INDArray gradOutput, float clipMax, float clipMin, int bits) {
        return host.ulqBackward(input, gradOutput, clipMax, clipMin, bits);
    }

    @Override
    public WeightUlq.Gradients weightUlqBackward(INDArray weight, WeightLayout layout, INDArray gradOutput, float[] scale, int bits) {
        return host.weightUlqBackward(weight, layout, gradOutput, scale, bits);
    }

    @Override
    public Ifmr.Result ifmr(INDArray data, Ifmr.Params params) {
        return host.ifmr(data, params);
    }

    @Override
    public INDArray selectiveMask(INDArray weight, int axis) {
        return host.selectiveMask(weight, axis);
    }

    @Override
    public FilterPruner.Result filterPrune(String layer, List<INDArray> producers, int[] pruneAxes, double pruneRatio,
                                           int pruneGroup, boolean ascendOptimized) {
        return host.filterPrune(layer, producers, pruneAxes, pruneRatio, pruneGroup, ascendOptimized);
    }

    @Override
    public UlqActivation.Forward ulqForwardInto(INDArray input, ClipState state, int bits, boolean fixedMin, INDArray out) {
        return host.ulqForwardInto(input, state, bits, fixedMin, out);
    }

    @Override
    public UlqActivation.Gradients ulqBackwardInto(INDArray input, INDArray gradOutput, float clipMax, float clipMin, int bits,
                                                   INDArray gradInput) {
        return host.ulqBackwardInto(input, gradOutput, clipMax, clipMin, bits, gradInput);
    }

    @Override
    public INDArray selectiveMaskInto(INDArray weight, int axis, INDArray out) {
        return host.selectiveMaskInto(weight, axis, out);
    }

    @Override
    public Map<String, String> placement() {
        Map<String, String> host0 = host.placement();
        Map<String, String> where = new LinkedHashMap<>();
        String device0 = "device " + device + " (" + cann.where() + ") from " + minElements + " elements";
        where.put("ulq_forward", host0.get("ulq_forward") + ": the device op rounds before adding the offset; AMCT after");
        where.put("ulq_backward", host0.get("ulq_backward") + ": no device op gives the clip gradients");
        where.put("arq", device0 + ": aclnnFakeQuantPer{Channel,Tensor}AffineCachemask, scales (127/128 rule) on the host");
        where.put("weight_ulq_forward", device0 + ": aclnnFakeQuantPerChannelAffineCachemask with the learned scale");
        where.put("weight_ulq_backward", host0.get("weight_ulq_backward") + ": the scale gradient has no device op");
        where.put("ifmr", host0.get("ifmr") + ": the device IFMR uses a histogram and divisor 127, not AMCT's search");
        where.put("selective_mask", host0.get("selective_mask") + ": cheap on the host, no device op");
        where.put("filter_prune", host0.get("filter_prune") + ": cheap on the host, no device op");
        where.put("deploy_quantize", device0 + ": aclnnAscendQuantV3 (INT8; other widths on the host)");
        return where;
    }

    /** Destroys the device context (once; the last stream of a call is gone when the call returns). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            cann.acl().aclrtDestroyContext(context);
            host.close();
        }
    }
}
