package io.amctkit.runtime.export;

import com.google.protobuf.ByteString;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.onnx.OnnxModel;
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
 * AMCT's fake-quant model (ascend-ops.md §4.3) in standard ONNX ops, runnable in ONNX Runtime: for each quantized layer
 * with known activation factors, its input goes through {@code Mul(1/scale_d) → Round → Add(offset_d) → Clip → Sub(offset_d)}
 * (nodes {@code L.quant.fakequant.*}), its weight becomes the integer levels {@code clamp(round(w/scale_w))}, a Conv or
 * Gemm bias becomes {@code round(b/(scale_w·scale_d))}, and its output is dequantized by {@code Mul(deq_scale)} with
 * {@code deq_scale = scale_w·scale_d} per output channel. Layers inside If/Loop bodies, without activation factors, or
 * of a layout not handled (grouped ConvTranspose per channel) stay float and are listed.
 */
public final class FakeQuantExport {

    /** The exported model and the layers left in float, with why. */
    public record Result(ModelProto model, List<String> quantized, List<String> leftFloat) {
    }

    private FakeQuantExport() {
    }

    public static Result of(OnnxModel model, SessionResult session) {
        ModelProto proto = model.proto();
        GraphProto graph = proto.getGraph();
        Map<String, TensorProto> constants = constants(graph);
        List<String> quantized = new ArrayList<>();
        List<String> leftFloat = new ArrayList<>();
        Map<String, LayerReport> reports = new HashMap<>();
        session.layers().forEach(r -> reports.put(r.name(), r));
        Map<String, ModelLayer> byOrigin = new HashMap<>();
        model.layers().forEach(l -> byOrigin.put(l.origin(), l));
        Map<String, TensorProto> replaced = new HashMap<>();
        List<TensorProto> added = new ArrayList<>();
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            ModelLayer layer = byOrigin.get(label(node));
            LayerReport report = layer == null ? null : reports.get(layer.name());
            if (layer == null || report == null || !report.quantized()) {
                nodes.add(node);
                continue;
            }
            Optional<float[]> act = activation(session, report);
            Optional<String> why = unsupported(node, layer, constants, act);
            if (why.isPresent()) {
                leftFloat.add(layer.name() + ": " + why.get());
                nodes.add(node);
                continue;
            }
            float scaleD = act.get()[0];
            int offsetD = (int) act.get()[1];
            int bits = (int) act.get()[2];
            float[] scaleW = report.artifacts().weightScales();
            String l = layer.name();
            String x = node.getInput(0);
            String p = l + ".quant.fakequant.";
            added.add(scalar(p + "inv_scale", (float) (1.0 / scaleD)));
            added.add(scalar(p + "offset", offsetD));
            added.add(scalar(p + "min", -(1 << (bits - 1))));
            added.add(scalar(p + "max", (1 << (bits - 1)) - 1));
            nodes.add(op("Mul", p + "mul", List.of(x, p + "inv_scale"), p + "mul.out"));
            nodes.add(op("Round", p + "round", List.of(p + "mul.out"), p + "round.out"));
            nodes.add(op("Add", p + "add", List.of(p + "round.out", p + "offset"), p + "add.out"));
            nodes.add(op("Clip", p + "clip", List.of(p + "add.out", p + "min", p + "max"), p + "clip.out"));
            nodes.add(op("Sub", p + "sub", List.of(p + "clip.out", p + "offset"), p + "sub.out"));
            String wName = node.getInput(1);
            INDArray wf = sparsified(model, layer, report);
            replaced.put(wName, levels(constants.get(wName), wf, scaleW, wAxis(node), bits));
            wf.close();
            float[] deq = new float[scaleW.length];
            for (int c = 0; c < deq.length; c++) {
                deq[c] = scaleW[c] * scaleD;
            }
            if (node.getInputCount() > 2 && constants.containsKey(node.getInput(2))) {
                replaced.put(node.getInput(2), intBias(constants.get(node.getInput(2)), deq));
            }
            nodes.add(node.toBuilder().setInput(0, p + "sub.out").setOutput(0, node.getOutput(0) + ".int").build());
            boolean convLike = node.getOpType().startsWith("Conv");
            String dq = l + ".dequant.";
            added.add(floats(dq + "deq_scale", deq, deq.length == 1 ? new long[]{}
                    : convLike ? deqShapeConv(deq.length, layer.kernel().size()) : new long[]{deq.length}));
            nodes.add(op("Mul", dq + "mul", List.of(node.getOutput(0) + ".int", dq + "deq_scale"), node.getOutput(0)));
            quantized.add(l);
        }
        return new Result(proto.toBuilder().setGraph(rebuild(graph, nodes, replaced, added)).build(), quantized, leftFloat);
    }

    /** Initializers and Constant-node values of the top-level graph, by tensor name. */
    static Map<String, TensorProto> constants(GraphProto graph) {
        Map<String, TensorProto> constants = new HashMap<>();
        graph.getInitializerList().forEach(t -> constants.put(t.getName(), t));
        for (NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                n.getAttributeList().stream().filter(a -> a.getName().equals("value") && a.hasT())
                        .forEach(a -> constants.put(n.getOutput(0), a.getT()));
            }
        }
        return constants;
    }

    /** The graph with {@code nodes}, constants replaced by name (initializers and Constant nodes alike), {@code added} appended. */
    static GraphProto rebuild(GraphProto graph, List<NodeProto> nodes, Map<String, TensorProto> replaced, List<TensorProto> added) {
        GraphProto.Builder g = graph.toBuilder().clearNode().clearInitializer();
        for (TensorProto t : graph.getInitializerList()) {
            g.addInitializer(replaced.getOrDefault(t.getName(), t));
        }
        g.addAllInitializer(added);
        for (NodeProto n : nodes) {
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1 && replaced.containsKey(n.getOutput(0))) {
                TensorProto value = replaced.get(n.getOutput(0));
                NodeProto.Builder b = n.toBuilder().clearAttribute();
                n.getAttributeList().forEach(a -> b.addAttribute(a.getName().equals("value") ? a.toBuilder().setT(value).build() : a));
                g.addNode(b);
            } else {
                g.addNode(n);
            }
        }
        return g.build();
    }

    /** The integer weight levels clamp(round(w / scale_c)) of a stored weight, channel axis {@code axis}. */
    static float[] levelValues(INDArray stored, float[] scales, int axis, int bits) {
        long[] shape = stored.shape();
        float[] w = stored.dup('c').data().asFloat();
        long inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        long channels = shape[axis];
        float lo = -(1 << (bits - 1));
        float hi = (1 << (bits - 1)) - 1;
        for (int i = 0; i < w.length; i++) {
            int c = scales.length == 1 ? 0 : (int) ((i / inner) % channels);
            w[i] = Math.min(Math.max((float) Math.rint(w[i] / scales[c]), lo), hi);
        }
        return w;
    }

    /** The bias values of a float tensor (raw or float_data). */
    static float[] biasValues(TensorProto original) {
        ByteBuffer raw = original.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int n = original.hasRawData() ? raw.remaining() / 4 : original.getFloatDataCount();
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            b[i] = original.hasRawData() ? raw.getFloat(raw.position() + 4 * i) : original.getFloatData(i);
        }
        return b;
    }

    /**
     * The stored weight with the layer's pruning applied as AMCT's compressed training leaves it: the 2:4 mask's zeros,
     * or the removed filters zeroed (the channels stay; the pruned-model export removes them).
     */
    static INDArray sparsified(OnnxModel model, ModelLayer layer, LayerReport report) {
        if (report.pruneKind().isEmpty()) {
            return model.read(layer.weight());
        }
        INDArray w = model.weight(layer).dup('c');   // PyTorch layout, the one the masks were computed in
        float[] v = w.data().asFloat();
        if (report.pruneKind().equals("2:4")) {
            float[] mask = io.amctkit.runtime.session.SelectiveMaskPacking.unpack(report.artifacts().selectiveMask(), v.length);
            for (int i = 0; i < v.length; i++) {
                v[i] *= mask[i];
            }
        } else {
            long[] shape = w.shape();
            boolean transposedConv = layer.type().startsWith("ConvTranspose");
            long inner = 1;
            for (int d = transposedConv ? 2 : 1; d < shape.length; d++) {
                inner *= shape[d];
            }
            long channels = shape[transposedConv ? 1 : 0];
            java.util.Set<Integer> pruned = new java.util.HashSet<>();
            for (int c : report.artifacts().prunedFilters()) {
                pruned.add(c);
            }
            for (int i = 0; i < v.length; i++) {
                if (pruned.contains((int) ((i / inner) % channels))) {
                    v[i] = 0f;
                }
            }
        }
        INDArray masked = org.nd4j.linalg.factory.Nd4j.create(v, w.shape(), 'c');
        w.close();
        return layer.weightTransposed() ? masked.transpose().dup('c') : masked;
    }

    static Optional<float[]> activation(SessionResult session, LayerReport report) {
        var calibrated = session.activation(report.name());
        if (calibrated.isPresent()) {
            return Optional.of(new float[]{calibrated.get().scale(), calibrated.get().offset(), calibrated.get().bits()});
        }
        return report.artifacts().activation().map(a -> new float[]{a.scale(), a.offset(), a.bits()});
    }

    static Optional<String> unsupported(NodeProto node, ModelLayer layer, Map<String, TensorProto> initializers,
                                                Optional<float[]> act) {
        if (act.isEmpty()) {
            return Optional.of("no activation factors (IFMR layer without calibration)");
        }
        if (!List.of("Conv", "ConvTranspose", "Gemm", "MatMul").contains(node.getOpType())) {
            return Optional.of(node.getOpType() + " is exported in float");
        }
        if (node.getInputCount() < 2 || !initializers.containsKey(node.getInput(1))) {
            return Optional.of("its weight is not a constant of the top-level graph");
        }
        if (node.getOpType().equals("ConvTranspose") && layer.groups().orElse(1) != 1) {
            return Optional.of("grouped ConvTranspose is exported in float");
        }
        if (node.getOpType().equals("Gemm") && node.getAttributeList().stream().anyMatch(a -> a.getName().equals("transA") && a.getI() != 0)) {
            return Optional.of("Gemm with transA is exported in float");
        }
        return Optional.empty();
    }

    /** The axis of the stored weight that holds output channels. */
    static int wAxis(NodeProto node) {
        return switch (node.getOpType()) {
            case "Conv" -> 0;
            case "ConvTranspose" -> 1;
            case "Gemm" -> node.getAttributeList().stream().anyMatch(a -> a.getName().equals("transB") && a.getI() == 1) ? 0 : 1;
            default -> 1;   // MatMul: [in, out]
        };
    }

    static long[] deqShapeConv(int channels, int spatial) {
        long[] shape = new long[2 + spatial];
        java.util.Arrays.fill(shape, 1);
        shape[1] = channels;
        return shape;
    }

    /** The weight as integer levels clamp(round(w / scale_c)), float32, in its stored layout. */
    private static TensorProto levels(TensorProto original, INDArray stored, float[] scales, int axis, int bits) {
        return floats(original.getName(), levelValues(stored, scales, axis, bits), stored.shape());
    }

    /** A bias as the int32-equivalent levels round(b / deq_c), kept in float32 (ONNX Runtime adds it to the float output). */
    private static TensorProto intBias(TensorProto original, float[] deq) {
        float[] b = biasValues(original);
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) Math.rint(b[i] / deq[deq.length == 1 ? 0 : i]);
        }
        return floats(original.getName(), b, new long[]{b.length});
    }

    static TensorProto floats(String name, float[] values, long[] shape) {
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(raw.array()));
        for (long d : shape) {
            t.addDims(d);
        }
        return t.build();
    }

    static TensorProto scalar(String name, float value) {
        return floats(name, new float[]{value}, new long[]{});
    }

    static NodeProto op(String type, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(type).setName(name).addAllInput(inputs).addOutput(output).build();
    }

    /** The label {@link ModelLayer#origin()} uses for a node. */
    static String label(NodeProto node) {
        return node.getOpType() + " node " + (node.getName().isEmpty() ? "→ " + (node.getOutputCount() > 0 ? node.getOutput(0) : "?")
                : "'" + node.getName() + "'");
    }
}
