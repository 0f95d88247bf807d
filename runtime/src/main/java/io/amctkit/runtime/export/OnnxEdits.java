package io.amctkit.runtime.export;

import com.google.protobuf.ByteString;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Small edits of an ONNX graph shared by the exports and retraining: its constants, new tensors and nodes, and the rebuilt graph. */
public final class OnnxEdits {

    private OnnxEdits() {
    }

    /**
     * Initializers and Constant-node values of the top-level graph, by tensor name: the definitions an export can
     * replace (unlike the model's own view, no aliases through Identity nodes and nothing from subgraphs).
     */
    public static Map<String, TensorProto> constants(GraphProto graph) {
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
    public static GraphProto rebuild(GraphProto graph, List<NodeProto> nodes, Map<String, TensorProto> replaced, List<TensorProto> added) {
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

    /** The values of a float32 tensor (raw data or float_data). */
    public static float[] floatValues(TensorProto t) {
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int n = t.hasRawData() ? raw.remaining() / 4 : t.getFloatDataCount();
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = t.hasRawData() ? raw.getFloat(raw.position() + 4 * i) : t.getFloatData(i);
        }
        return v;
    }

    /** A float32 tensor. */
    public static TensorProto floats(String name, float[] values, long[] shape) {
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

    /** A float32 scalar. */
    static TensorProto scalar(String name, float value) {
        return floats(name, new float[]{value}, new long[]{});
    }

    /** A node with one output. */
    static NodeProto op(String type, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(type).setName(name).addAllInput(inputs).addOutput(output).build();
    }
}
