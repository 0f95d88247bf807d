package io.amctkit.runtime.prune;

import io.amctkit.runtime.model.LayerNames;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.AttributeProto;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An ONNX graph as AMCT's filter pruning sees it after {@code PruneHelper.simplify_graph} (pruning-graph.md §3):
 * GlobalAveragePool + Flatten (or the {@code gap(x).view(x.size(0), -1)} Reshape idiom) fused into one {@code D4toD2}
 * node, constant-scale Resize, the bias Add of a Linear exported as MatMul and AMCT's channel-unrelated ops removed,
 * then nodes without consumers removed. Node names are AMCT's: module names for nodes with parameters, the
 * exporter's names for the rest.
 */
final class PruneGraph {

    /** One node of the simplified graph (inputs already rewired past removed nodes). */
    record Node(int id, String op, String name, List<String> inputs, List<String> outputs, NodeProto proto,
                Optional<ModelLayer> layer, long[] weightShape, boolean reused) {

        long attr(String key, long fallback) {
            for (AttributeProto a : proto.getAttributeList()) {
                if (a.getName().equals(key)) {
                    return a.getI();
                }
            }
            return fallback;
        }

        int group() {
            return (int) attr("group", 1);
        }

        boolean hasWeight() {
            return weightShape.length > 0;
        }

        /** AMCT's {@code OnnxConvUtil.is_depthwise_conv}: the weight's dimension 1 is 1. */
        boolean depthwiseByWeight() {
            return weightShape.length > 1 && weightShape[1] == 1;
        }

        /** Output channels ({@code QuantOpInfo.get_cout_length}); -1 when unknown. */
        int cout() {
            if (!hasWeight()) {
                return -1;
            }
            return switch (op) {
                case "Conv", "BatchNormalization" -> (int) weightShape[0];
                case "ConvTranspose" -> (int) (weightShape[1] * group());
                case "Gemm" -> (int) (attr("transB", 0) != 0 ? weightShape[0] : weightShape[1]);
                case "MatMul" -> (int) weightShape[weightShape.length - 1];
                default -> -1;
            };
        }

        /** Input channels of a convolution or linear; -1 when unknown. */
        int cin() {
            if (!hasWeight()) {
                return -1;
            }
            return switch (op) {
                case "Conv" -> (int) (weightShape[1] * group());
                case "ConvTranspose", "BatchNormalization" -> (int) weightShape[0];
                case "Gemm" -> (int) (attr("transB", 0) != 0 ? weightShape[1] : weightShape[0]);
                case "MatMul" -> (int) weightShape[0];
                default -> -1;
            };
        }
    }

    /** Where a tensor comes from: a node and its output slot. */
    record Source(Node node, int slot) {
    }

    private final List<Node> nodes;
    private final Map<String, Source> producers = new HashMap<>();
    private final Map<String, List<Node>> consumers = new HashMap<>();
    private final List<String> outputs;
    private PruneGraph(List<Node> nodes, List<String> outputs) {
        this.nodes = List.copyOf(nodes);
        this.outputs = List.copyOf(outputs);
        for (Node n : nodes) {
            for (int i = 0; i < n.outputs().size(); i++) {
                producers.put(n.outputs().get(i), new Source(n, i));
            }
            n.inputs().forEach(in -> consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n));
        }
    }

    List<Node> nodes() {
        return nodes;
    }

    /** The model's outputs, after rewiring (AMCT's output anchors). */
    List<String> outputs() {
        return outputs;
    }

    Optional<Source> producer(String tensor) {
        return Optional.ofNullable(producers.get(tensor));
    }

    /** The nodes reading {@code tensor}. */
    List<Node> consumers(String tensor) {
        return consumers.getOrDefault(tensor, List.of());
    }

    /** A blocking node as a user knows it: the Div and Mul of an exported GELU (x/√2 → Erf → +1 → ·x·½) say so. */
    String describe(Node n) {
        boolean gelu = switch (n.op()) {
            case "Div" -> n.outputs().stream().flatMap(o -> consumers(o).stream()).anyMatch(c -> c.op().equals("Erf"));
            case "Mul" -> n.inputs().stream().map(this::producer).flatMap(Optional::stream)
                    .anyMatch(p -> p.node().op().equals("Add") && p.node().inputs().stream().map(this::producer).flatMap(Optional::stream)
                            .anyMatch(q -> q.node().op().equals("Erf")));
            default -> false;
        };
        return gelu ? n.op() + " of a GELU (Div → Erf → Add → Mul)" : PruneRoles.describe(n.op());
    }

    static PruneGraph of(OnnxModel model) {
        GraphProto g = model.proto().getGraph();
        Map<String, TensorProto> constants = new HashMap<>();
        g.getInitializerList().forEach(t -> constants.put(t.getName(), t));
        Map<String, List<Integer>> rawConsumers = new HashMap<>();
        Map<String, Integer> rawProducer = new HashMap<>();
        Map<String, Integer> weightUses = new HashMap<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                n.getAttributeList().stream().filter(a -> a.getName().equals("value") && a.hasT())
                        .forEach(a -> constants.put(n.getOutput(0), a.getT()));
            }
            for (String in : n.getInputList()) {
                rawConsumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
            }
            for (String out : n.getOutputList()) {
                rawProducer.put(out, i);
            }
            if (n.getInputCount() > 1 && PruneRoles.WEIGHTED.contains(n.getOpType())) {
                weightUses.merge(n.getInput(1), 1, Integer::sum);
            }
        }
        // Identity of a constant is a constant (exporters write shared weights that way)
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Identity") && n.getInputCount() == 1 && constants.containsKey(n.getInput(0))) {
                constants.put(n.getOutput(0), constants.get(n.getInput(0)));
            }
        }
        Set<String> graphOutputs = new LinkedHashSet<>();
        g.getOutputList().forEach(o -> graphOutputs.add(o.getName()));

        // §3.2/3.3: GlobalAveragePool fused with its only consumer (Flatten axis 1, or the dynamic Reshape idiom)
        Map<Integer, Integer> fusedInto = new HashMap<>();   // GAP node -> the Flatten/Reshape it absorbs
        Set<Integer> removed = new HashSet<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (!n.getOpType().equals("GlobalAveragePool") || graphOutputs.contains(n.getOutput(0))) {
                continue;
            }
            List<Integer> uses = rawConsumers.getOrDefault(n.getOutput(0), List.of());
            if (uses.size() != 1) {
                continue;
            }
            NodeProto next = g.getNode(uses.get(0));
            if (next.getOpType().equals("Flatten") && attr(next, "axis", 1) == 1) {
                fusedInto.put(i, uses.get(0));
            } else if (next.getOpType().equals("Reshape") && next.getInputCount() > 1 && next.getInput(0).equals(n.getOutput(0))) {
                Set<Integer> chain = shapeChain(g, next.getInput(1), n.getInput(0), rawProducer);
                if (!chain.isEmpty()) {
                    fusedInto.put(i, uses.get(0));
                    removed.addAll(chain);
                }
            }
        }
        Set<Integer> absorbed = new HashSet<>(fusedInto.values());

        Map<String, String> alias = new HashMap<>();
        List<Node> kept = new ArrayList<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            String op = n.getOpType();
            if (op.equals("Constant") || absorbed.contains(i) || removed.contains(i)
                    || (op.equals("Identity") && constants.containsKey(n.getOutputCount() > 0 ? n.getOutput(0) : ""))) {
                continue;
            }
            List<String> inputs = new ArrayList<>();
            for (String in : n.getInputList()) {
                inputs.add(resolve(alias, in));
            }
            if (!fusedInto.containsKey(i) && passesThrough(g, n, constants, rawConsumers, model)) {
                if (!inputs.isEmpty() && n.getOutputCount() > 0) {
                    // the data input: input 0, or the non-constant side of a Linear's bias Add
                    String data = op.equals("Add") && constants.containsKey(n.getInput(0)) ? inputs.get(1) : inputs.get(0);
                    alias.put(n.getOutput(0), data);
                }
                continue;
            }
            String nodeOp = op;
            List<String> outs = new ArrayList<>(n.getOutputList());
            if (fusedInto.containsKey(i)) {
                nodeOp = PruneRoles.D4TO2;
                outs = List.of(g.getNode(fusedInto.get(i)).getOutput(0));
                inputs = List.of(inputs.get(0));
            }
            long[] weight = new long[0];
            boolean reused = false;
            if (PruneRoles.WEIGHTED.contains(op) && inputs.size() > 1 && constants.containsKey(n.getInput(1))) {
                weight = constants.get(n.getInput(1)).getDimsList().stream().mapToLong(Long::longValue).toArray();
                reused = weightUses.getOrDefault(n.getInput(1), 0) > 1;
            }
            Optional<ModelLayer> layer = n.getOutputCount() > 0 && PruneRoles.WEIGHTED.contains(op) && !op.equals("BatchNormalization")
                    ? model.layerProducing(n.getOutput(0)) : Optional.empty();
            kept.add(new Node(i, nodeOp, name(n, layer), inputs, outs, n, layer, weight, reused));
        }
        List<String> outputs = graphOutputs.stream().map(o -> resolve(alias, o)).toList();
        return new PruneGraph(withoutIsolated(kept, outputs), outputs);
    }

    /** §3.7: nodes none of whose outputs is read (by a kept node or as a model output) are removed, repeatedly. */
    private static List<Node> withoutIsolated(List<Node> nodes, List<String> outputs) {
        List<Node> current = nodes;
        while (true) {
            Set<String> read = new HashSet<>(outputs);
            current.forEach(n -> read.addAll(n.inputs()));
            List<Node> next = current.stream().filter(n -> n.outputs().stream().anyMatch(read::contains)).toList();
            if (next.size() == current.size()) {
                return current;
            }
            current = next;
        }
    }

    /** AMCT's channel-unrelated ops (§2), the constant-scale Resize (§3.4) and a Linear's bias Add (§3.5). */
    private static boolean passesThrough(GraphProto g, NodeProto n, Map<String, TensorProto> constants,
                                         Map<String, List<Integer>> rawConsumers, OnnxModel model) {
        String op = n.getOpType();
        if (PruneRoles.CHANNEL_UNRELATED.contains(op)) {
            return true;
        }
        if (op.equals("Resize") && n.getInputCount() > 2 && constants.containsKey(n.getInput(2))) {
            float[] scales = floats(constants.get(n.getInput(2)));
            return scales.length > 1 && scales[1] == 1f;
        }
        if (op.equals("Add") && n.getInputCount() == 2) {
            for (int side = 0; side < 2; side++) {
                String bias = n.getInput(1 - side);
                TensorProto t = constants.get(bias);
                if (t == null || t.getDimsCount() != 1) {
                    continue;
                }
                String x = n.getInput(side);
                Optional<ModelLayer> linear = model.layerProducing(x);
                boolean fromMatMul = g.getNodeList().stream().anyMatch(p -> p.getOpType().equals("MatMul")
                        && p.getOutputCount() > 0 && p.getOutput(0).equals(x));
                if (fromMatMul && linear.isPresent() && linear.get().outChannels().orElse(-1) == t.getDims(0)
                        && rawConsumers.getOrDefault(x, List.of()).size() == 1) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The nodes computing a Reshape's target shape from {@code Shape(x)} (Shape → Gather → Unsqueeze → Concat), when
     * that Shape reads {@code x}; empty when the shape comes from anywhere else.
     */
    private static Set<Integer> shapeChain(GraphProto g, String shape, String x, Map<String, Integer> rawProducer) {
        Set<Integer> chain = new HashSet<>();
        List<String> work = new ArrayList<>(List.of(shape));
        boolean readsX = false;
        while (!work.isEmpty()) {
            String t = work.remove(work.size() - 1);
            Integer p = rawProducer.get(t);
            if (p == null || !chain.add(p)) {
                continue;
            }
            NodeProto n = g.getNode(p);
            switch (n.getOpType()) {
                case "Shape" -> readsX |= n.getInput(0).equals(x);
                case "Gather", "Unsqueeze", "Concat", "Cast", "Constant", "Squeeze", "Slice" -> work.addAll(n.getInputList());
                default -> {
                    return Set.of();
                }
            }
        }
        if (!readsX) {
            return Set.of();
        }
        chain.removeIf(i -> g.getNode(i).getOpType().equals("Constant"));
        return chain;
    }

    private static String resolve(Map<String, String> alias, String t) {
        String r = t;
        while (alias.containsKey(r)) {
            r = alias.get(r);
        }
        return r;
    }

    /** AMCT's node names: the module name for nodes with parameters, the exporter's node name for the rest. */
    private static String name(NodeProto n, Optional<ModelLayer> layer) {
        if (layer.isPresent()) {
            return layer.get().name();
        }
        if (n.getOpType().equals("BatchNormalization") && n.getInputCount() > 1) {
            Optional<String> module = LayerNames.fromParameter(n.getInput(1)).or(() -> LayerNames.fromExportScope(n.getName()));
            if (module.isPresent()) {
                return module.get();
            }
        }
        if (!n.getName().isEmpty()) {
            return n.getName();
        }
        return n.getOutputCount() > 0 ? n.getOutput(0) : n.getOpType();
    }

    private static long attr(NodeProto n, String key, long fallback) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(key)) {
                return a.getI();
            }
        }
        return fallback;
    }

    private static float[] floats(TensorProto t) {
        if (t.getDataType() != 1) {
            return new float[0];
        }
        if (t.hasRawData()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[b.remaining() / 4];
            b.asFloatBuffer().get(v);
            return v;
        }
        float[] v = new float[t.getFloatDataCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getFloatData(i);
        }
        return v;
    }
}
