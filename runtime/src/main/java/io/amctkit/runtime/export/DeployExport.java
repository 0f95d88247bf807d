package io.amctkit.runtime.export;

import com.google.protobuf.ByteString;
import io.amctkit.kernels.Fp16Precision;
import io.amctkit.runtime.model.ModelException;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.AttributeProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.session.SessionResult;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * AMCT's deploy model for Ascend's ATC compiler (ascend-ops.md §4.2): for each quantized layer {@code L}, an
 * {@code AscendQuant} node {@code L.quant} (attrs {@code scale} = float32(1/scale_d), {@code offset} = offset_d,
 * {@code dst_type}) in front, the weight as INT8 data {@code clamp(round(w/scale_w))}, a Conv/Gemm bias as INT32
 * {@code round(b/(scale_w·scale_d))}, and an {@code AscendDequant} node {@code L.dequant} behind, reading the UINT64
 * {@code L.dequant.param} = (uint8(offset_w) &lt;&lt; 32) + bits(float32(scale_w·scale_d)) per weight scale (deq_scale
 * truncated to 19 bits under FORCE_FP16_QUANT). Runs on Ascend only (the two ops are Ascend's).
 */
public final class DeployExport {

    private DeployExport() {
    }

    public static FakeQuantExport.Result of(OnnxModel model, SessionResult session) {
        ExportPlan plan = ExportPlan.of(model, session);
        for (ExportPlan.Target t : plan.targets()) {
            if (t.report().weightBits() != 8 || t.bits() != 8) {
                plan.leaveFloat(t, "INT" + t.report().weightBits() + " weights / INT" + t.bits()
                        + " activations: only INT8 is exported to the deploy model");
            }
        }
        boolean fp16 = session.resolution().forceFp16Quant();
        Map<String, TensorProto> replaced = new HashMap<>();
        List<TensorProto> added = new ArrayList<>();
        List<NodeProto> nodes = new ArrayList<>();
        List<String> quantized = new ArrayList<>();
        for (NodeProto node : model.proto().getGraph().getNodeList()) {
            Optional<ExportPlan.Target> target = plan.target(node);
            if (target.isEmpty()) {
                nodes.add(node);
                continue;
            }
            ExportPlan.Target t = target.get();
            String l = t.layer().name();
            nodes.add(NodeProto.newBuilder().setOpType("AscendQuant").setName(l + ".quant").addInput(node.getInput(0))
                    .addOutput(l + ".quant.output0")
                    .addAttribute(floatAttr("scale", (float) (1.0 / t.scaleD())))
                    .addAttribute(floatAttr("offset", t.offsetD()))
                    .addAttribute(AttributeProto.newBuilder().setName("dst_type").setType(AttributeProto.AttributeType.STRING)
                            .setS(ByteString.copyFromUtf8("INT8"))).build());
            String weight = node.getInput(1);
            replaced.put(weight, int8(plan.constants.get(weight).getName(), t.prunedWeightLevels(model, 8, plan.constants.get(weight)), t.weightShape()));
            float[] deq = t.deqScales();
            if (node.getInputCount() > 2 && plan.constants.containsKey(node.getInput(2))) {
                replaced.put(node.getInput(2), int32Bias(model, l, plan.constants.get(node.getInput(2)), deq));
            }
            nodes.add(node.toBuilder().setInput(0, l + ".quant.output0").setOutput(0, l + ".dequant.input0").build());
            added.add(param(l + ".dequant.param", deq, fp16));
            nodes.add(NodeProto.newBuilder().setOpType("AscendDequant").setName(l + ".dequant")
                    .addInput(l + ".dequant.input0").addInput(l + ".dequant.param").addOutput(node.getOutput(0))
                    .addAttribute(AttributeProto.newBuilder().setName("dtype").setType(AttributeProto.AttributeType.INT).setI(0))
                    .build());
            quantized.add(l);
        }
        ModelProto out = model.proto().toBuilder().setGraph(OnnxEdits.rebuild(model.proto().getGraph(), nodes, replaced, added)).build();
        return new FakeQuantExport.Result(out, quantized, plan.leftFloat);
    }

    /** One dequant parameter: (uint8(offset_w) &lt;&lt; 32) + the float32 bits of deq_scale; offset_w is always 0. */
    public static long dequantParameter(float deqScale, boolean forceFp16) {
        float d = forceFp16 ? Fp16Precision.deqScaleS19(deqScale) : deqScale;
        return Integer.toUnsignedLong(Float.floatToRawIntBits(d));
    }

    private static TensorProto param(String name, float[] deq, boolean fp16) {
        ByteBuffer raw = ByteBuffer.allocate(8 * deq.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float d : deq) {
            raw.putLong(dequantParameter(d, fp16));
        }
        return TensorProto.newBuilder().setName(name).setDataType(13).addDims(deq.length).setRawData(ByteString.copyFrom(raw.array())).build();
    }

    private static TensorProto int8(String name, float[] levels, long[] shape) {
        byte[] data = new byte[levels.length];
        for (int i = 0; i < levels.length; i++) {
            data[i] = (byte) (int) levels[i];
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(3).setRawData(ByteString.copyFrom(data));
        for (long d : shape) {
            t.addDims(d);
        }
        return t.build();
    }

    private static TensorProto int32Bias(OnnxModel model, String layer, TensorProto original, float[] deq) {
        float[] b = OnnxEdits.floatValues(original);
        ByteBuffer raw = ByteBuffer.allocate(4 * b.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < b.length; i++) {
            double q = Math.rint(b[i] / deq[deq.length == 1 ? 0 : i]);
            if (q < Integer.MIN_VALUE || q > Integer.MAX_VALUE) {
                throw new ModelException(model.source(), layer + ": the quantized bias " + q + " of channel " + i
                        + " is outside int32 (AMCT rejects it too); the layer's scales are too small for its bias");
            }
            raw.putInt((int) q);
        }
        return TensorProto.newBuilder().setName(original.getName()).setDataType(6).addDims(b.length)
                .setRawData(ByteString.copyFrom(raw.array())).build();
    }

    private static AttributeProto floatAttr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }
}
