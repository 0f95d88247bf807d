package io.amctkit.runtime.export;

import com.google.protobuf.ByteString;
import io.amctkit.kernels.Fp16Precision;
import io.amctkit.runtime.model.ModelException;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.AttributeProto;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;
import org.nd4j.linalg.api.ndarray.INDArray;

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
        ModelProto proto = model.proto();
        GraphProto graph = proto.getGraph();
        Map<String, TensorProto> constants = FakeQuantExport.constants(graph);
        Map<String, LayerReport> reports = new HashMap<>();
        session.layers().forEach(r -> reports.put(r.name(), r));
        Map<String, ModelLayer> byOrigin = new HashMap<>();
        model.layers().forEach(l -> byOrigin.put(l.origin(), l));
        boolean fp16 = session.resolution().forceFp16Quant();
        Map<String, TensorProto> replaced = new HashMap<>();
        List<TensorProto> added = new ArrayList<>();
        List<NodeProto> nodes = new ArrayList<>();
        List<String> quantized = new ArrayList<>();
        List<String> leftFloat = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            ModelLayer layer = byOrigin.get(FakeQuantExport.label(node));
            LayerReport report = layer == null ? null : reports.get(layer.name());
            if (layer == null || report == null || !report.quantized()) {
                nodes.add(node);
                continue;
            }
            Optional<float[]> act = FakeQuantExport.activation(session, report);
            Optional<String> why = FakeQuantExport.unsupported(node, layer, constants, act);
            if (why.isEmpty() && (report.weightBits() != 8 || (int) act.get()[2] != 8)) {
                why = Optional.of("INT" + report.weightBits() + " weights / INT" + (int) act.get()[2]
                        + " activations: only INT8 is exported to the deploy model");
            }
            if (why.isPresent()) {
                leftFloat.add(layer.name() + ": " + why.get());
                nodes.add(node);
                continue;
            }
            float scaleD = act.get()[0];
            int offsetD = (int) act.get()[1];
            float[] scaleW = report.artifacts().weightScales();
            String l = layer.name();
            nodes.add(NodeProto.newBuilder().setOpType("AscendQuant").setName(l + ".quant").addInput(node.getInput(0))
                    .addOutput(l + ".quant.output0")
                    .addAttribute(floatAttr("scale", (float) (1.0 / scaleD)))
                    .addAttribute(floatAttr("offset", offsetD))
                    .addAttribute(AttributeProto.newBuilder().setName("dst_type").setType(AttributeProto.AttributeType.STRING)
                            .setS(ByteString.copyFromUtf8("INT8"))).build());
            String wName = node.getInput(1);
            INDArray wf = FakeQuantExport.sparsified(model, layer, report);
            replaced.put(wName, int8(constants.get(wName).getName(),
                    FakeQuantExport.levelValues(wf, scaleW, FakeQuantExport.wAxis(node), 8), wf.shape()));
            wf.close();
            float[] deq = new float[scaleW.length];
            for (int c = 0; c < deq.length; c++) {
                deq[c] = scaleW[c] * scaleD;
            }
            if (node.getInputCount() > 2 && constants.containsKey(node.getInput(2))) {
                replaced.put(node.getInput(2), int32Bias(model, l, constants.get(node.getInput(2)), deq));
            }
            nodes.add(node.toBuilder().setInput(0, l + ".quant.output0").setOutput(0, l + ".dequant.input0").build());
            added.add(param(l + ".dequant.param", deq, fp16));
            nodes.add(NodeProto.newBuilder().setOpType("AscendDequant").setName(l + ".dequant")
                    .addInput(l + ".dequant.input0").addInput(l + ".dequant.param").addOutput(node.getOutput(0))
                    .addAttribute(AttributeProto.newBuilder().setName("dtype").setType(AttributeProto.AttributeType.INT).setI(0))
                    .build());
            quantized.add(l);
        }
        return new FakeQuantExport.Result(proto.toBuilder().setGraph(FakeQuantExport.rebuild(graph, nodes, replaced, added)).build(),
                quantized, leftFloat);
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
        float[] b = FakeQuantExport.biasValues(original);
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
