package io.amctkit.runtime.export;

import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The filter-pruned model with the removed channels physically gone: each pruned Conv loses its filters (weight rows
 * and bias), and the removal follows the channels through the graph — per-channel constants, BatchNormalization,
 * activations and pooling shrink with them, depthwise convolutions lose the same channels (and their group count),
 * ordinary convolutions lose the matching input channels, and a tensor the pruned channels meet in an Add or Mul must
 * lose them too, so its producer is pruned alike (AMCT prunes coupled producers with the first producer's choice).
 * Where the channels would reach a graph output, a Concat, a reshape or a matrix product, that layer is kept whole and
 * listed, so the model's inputs and outputs keep their shapes.
 */
public final class PrunedExport {

    /** The pruned model, the layers whose filters were removed, and the ones kept whole with why. */
    public record Result(ModelProto model, List<String> pruned, List<String> keptWhole) {
    }

    static final Set<String> UNARY = Set.of("Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Clip", "Elu",
            "Selu", "Softplus", "Identity", "Dropout", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Resize",
            "Upsample", "Cast", "Pad", "Erf", "Gelu");
    static final Set<String> BINARY = Set.of("Add", "Mul", "Sub", "Div");

    private final GraphProto graph;
    private final Map<String, TensorProto> constants;
    private final Map<String, Integer> producer = new HashMap<>();
    private final Map<String, List<Integer>> consumers = new HashMap<>();
    private final Set<String> graphOutputs = new HashSet<>();

    private PrunedExport(GraphProto graph) {
        this.graph = graph;
        this.constants = OnnxEdits.constants(graph);
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            for (String out : n.getOutputList()) {
                producer.put(out, i);
            }
            for (String in : n.getInputList()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
            }
        }
        graph.getOutputList().forEach(o -> graphOutputs.add(o.getName()));
    }

    /** One planned change: what to cut from which node. */
    private record Cut(int node, String kind, int[] channels) {
    }

    /** A failed plan. */
    private static final class Refused extends Exception {
        Refused(String why) {
            super(why, null, false, false);
        }
    }

    public static Result of(OnnxModel model, SessionResult session) {
        PrunedExport e = new PrunedExport(model.proto().getGraph());
        Map<String, Integer> nodeOf = new HashMap<>();   // layer name -> its top-level node
        for (int i = 0; i < e.graph.getNodeCount(); i++) {
            int index = i;
            NodeProto n = e.graph.getNode(i);
            if (n.getOutputCount() > 0) {
                model.layerProducing(n.getOutput(0)).ifPresent(l -> nodeOf.put(l.name(), index));
            }
        }
        Map<Integer, Cut> cuts = new LinkedHashMap<>();
        Set<String> touched = new HashSet<>();
        List<String> pruned = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (LayerReport r : session.layers()) {
            int[] filters = r.artifacts().prunedFilters();
            if (!r.pruneKind().equals("filter") || filters.length == 0) {
                continue;
            }
            ModelLayer layer = model.layer(r.name()).orElseThrow();
            Integer node = nodeOf.get(layer.name());
            if (node == null || !e.graph.getNode(node).getOpType().equals("Conv") || layer.groups().orElse(1) != 1) {
                kept.add(r.name() + ": only top-level, ungrouped Conv layers lose their filters in the export");
                continue;
            }
            try {
                Map<String, int[]> removed = new HashMap<>();
                Map<Integer, Cut> planned = new LinkedHashMap<>();
                e.require(e.graph.getNode(node).getOutput(0), filters, removed, planned);
                if (removed.keySet().stream().anyMatch(touched::contains)) {
                    throw new Refused("its channels meet those of a layer pruned before it");
                }
                touched.addAll(removed.keySet());
                cuts.putAll(planned);
                pruned.add(r.name());
            } catch (Refused why) {
                kept.add(r.name() + ": " + why.getMessage());
            }
        }
        return new Result(model.proto().toBuilder().setGraph(e.apply(cuts)).build(), pruned, kept);
    }

    /** Tensor {@code t} must lose {@code channels} (axis 1): fix its producer and every consumer. */
    private void require(String t, int[] channels, Map<String, int[]> removed, Map<Integer, Cut> cuts) throws Refused {
        Deque<String> work = new ArrayDeque<>();
        if (!mark(t, channels, removed)) {
            return;
        }
        work.add(t);
        while (!work.isEmpty()) {
            String x = work.poll();
            if (graphOutputs.contains(x)) {
                throw new Refused("the channels reach the model output " + x);
            }
            // producer side
            Integer p = producer.get(x);
            if (p == null) {
                throw new Refused("the channels reach the model input " + x);
            }
            NodeProto pn = graph.getNode(p);
            String op = pn.getOpType();
            if (op.equals("Conv")) {
                int groups = group(pn);
                if (groups == 1) {
                    cut(cuts, new Cut(p, "out", channels));
                } else if (groups == outChannels(pn)) {
                    cut(cuts, new Cut(p, "depthwise", channels));
                    enqueue(pn.getInput(0), channels, removed, work);
                } else {
                    throw new Refused("a grouped convolution " + pn.getName() + " carries the channels");
                }
            } else if (op.equals("BatchNormalization")) {
                cut(cuts, new Cut(p, "bn", channels));
                enqueue(pn.getInput(0), channels, removed, work);
            } else if (UNARY.contains(op)) {
                enqueue(pn.getInput(0), channels, removed, work);
            } else if (BINARY.contains(op)) {
                for (int i = 0; i < 2; i++) {
                    String in = pn.getInput(i);
                    if (constants.containsKey(in)) {
                        cut(cuts, new Cut(p, "const" + i, channels));
                    } else {
                        enqueue(in, channels, removed, work);
                    }
                }
            } else {
                throw new Refused(op + " node " + pn.getName() + " produces the channels");
            }
            // consumer side
            for (int c : consumers.getOrDefault(x, List.of())) {
                NodeProto cn = graph.getNode(c);
                String cop = cn.getOpType();
                if (cop.equals("Conv") && cn.getInput(0).equals(x)) {
                    int groups = group(cn);
                    if (groups == 1) {
                        cut(cuts, new Cut(c, "in", channels));
                    } else if (groups == outChannels(cn)) {
                        cut(cuts, new Cut(c, "depthwise", channels));
                        enqueue(cn.getOutput(0), channels, removed, work);
                    } else {
                        throw new Refused("a grouped convolution " + cn.getName() + " reads the channels");
                    }
                } else if (cop.equals("BatchNormalization") && cn.getInput(0).equals(x)) {
                    cut(cuts, new Cut(c, "bn", channels));
                    enqueue(cn.getOutput(0), channels, removed, work);
                } else if (UNARY.contains(cop) && cn.getInput(0).equals(x)) {
                    enqueue(cn.getOutput(0), channels, removed, work);
                } else if (BINARY.contains(cop)) {
                    for (int i = 0; i < 2; i++) {
                        String in = cn.getInput(i);
                        if (constants.containsKey(in)) {
                            cut(cuts, new Cut(c, "const" + i, channels));
                        } else if (!in.equals(x)) {
                            enqueue(in, channels, removed, work);
                        }
                    }
                    enqueue(cn.getOutput(0), channels, removed, work);
                } else {
                    throw new Refused("the channels reach " + cop + " node " + cn.getName());
                }
            }
        }
    }

    private void enqueue(String t, int[] channels, Map<String, int[]> removed, Deque<String> work) throws Refused {
        if (mark(t, channels, removed)) {
            work.add(t);
        }
    }

    /** Records that {@code t} loses {@code channels}; false if it already does; refuses a different set. */
    private static boolean mark(String t, int[] channels, Map<String, int[]> removed) throws Refused {
        int[] before = removed.putIfAbsent(t, channels);
        if (before == null) {
            return true;
        }
        if (!Arrays.equals(before, channels)) {
            throw new Refused("tensor " + t + " would lose two different channel sets");
        }
        return false;
    }

    private static void cut(Map<Integer, Cut> cuts, Cut cut) throws Refused {
        Cut before = cuts.putIfAbsent(cut.node() * 8 + kindIndex(cut.kind()), cut);
        if (before != null && !Arrays.equals(before.channels(), cut.channels())) {
            throw new Refused("node " + cut.node() + " would be cut twice");
        }
    }

    private static int kindIndex(String kind) {
        return List.of("out", "in", "depthwise", "bn", "const0", "const1").indexOf(kind);
    }

    private static int group(NodeProto n) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals("group")).mapToInt(a -> (int) a.getI()).findFirst().orElse(1);
    }

    private int outChannels(NodeProto conv) {
        TensorProto w = constants.get(conv.getInput(1));
        return w == null ? -1 : (int) w.getDims(0);
    }

    /** Applies the cuts: shrunk weights, biases, BN parameters and per-channel constants; depthwise group counts. */
    private GraphProto apply(Map<Integer, Cut> cuts) {
        Map<String, TensorProto> replaced = new HashMap<>();
        Map<Integer, Integer> newGroups = new HashMap<>();
        Map<String, int[]> weightRows = new HashMap<>();
        Map<String, int[]> weightCols = new HashMap<>();
        for (Cut c : cuts.values()) {
            NodeProto n = graph.getNode(c.node());
            switch (c.kind()) {
                case "out" -> {
                    weightRows.put(n.getInput(1), c.channels());
                    if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                        replaced.put(n.getInput(2), without(constants.get(n.getInput(2)), 0, c.channels()));
                    }
                }
                case "in" -> weightCols.put(n.getInput(1), c.channels());
                case "depthwise" -> {
                    weightRows.put(n.getInput(1), c.channels());
                    if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                        replaced.put(n.getInput(2), without(constants.get(n.getInput(2)), 0, c.channels()));
                    }
                    newGroups.put(c.node(), group(n) - c.channels().length);
                }
                case "bn" -> {
                    for (int i = 1; i <= 4; i++) {
                        replaced.put(n.getInput(i), without(constants.get(n.getInput(i)), 0, c.channels()));
                    }
                }
                default -> {
                    String name = n.getInput(c.kind().equals("const0") ? 0 : 1);
                    TensorProto t = constants.get(name);
                    int axis = t.getDimsCount() - 3;   // [.., C, H, W] broadcasting against NCHW
                    if (axis >= 0 && t.getDims(axis) > 1) {
                        replaced.put(name, without(t, axis, c.channels()));
                    }
                }
            }
        }
        for (Map.Entry<String, int[]> w : weightRows.entrySet()) {
            TensorProto t = replaced.getOrDefault(w.getKey(), constants.get(w.getKey()));
            replaced.put(w.getKey(), without(t, 0, w.getValue()));
        }
        for (Map.Entry<String, int[]> w : weightCols.entrySet()) {
            TensorProto t = replaced.getOrDefault(w.getKey(), constants.get(w.getKey()));
            replaced.put(w.getKey(), without(t, 1, w.getValue()));
        }
        List<NodeProto> nodes = new ArrayList<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            if (newGroups.containsKey(i)) {
                NodeProto.Builder b = n.toBuilder().clearAttribute();
                int g = newGroups.get(i);
                n.getAttributeList().forEach(a -> b.addAttribute(a.getName().equals("group") ? a.toBuilder().setI(g).build() : a));
                nodes.add(b.build());
            } else {
                nodes.add(n);
            }
        }
        return OnnxEdits.rebuild(graph, nodes, replaced, List.of()).toBuilder().clearValueInfo().build();
    }

    /** A float32 tensor without the given indices along {@code axis}. */
    static TensorProto without(TensorProto t, int axis, int[] drop) {
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        float[] v = OnnxEdits.floatValues(t);
        Set<Integer> gone = new HashSet<>();
        for (int d : drop) {
            gone.add(d);
        }
        long inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        long channels = shape[axis];
        float[] out = new float[(int) (v.length / channels * (channels - drop.length))];
        int at = 0;
        for (int i = 0; i < v.length; i++) {
            if (!gone.contains((int) ((i / inner) % channels))) {
                out[at++] = v[i];
            }
        }
        shape[axis] -= drop.length;
        return OnnxEdits.floats(t.getName(), out, shape);
    }
}
