package io.amctkit.runtime.model.onnx;

import io.amctkit.runtime.model.Coupling;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.NodeProto;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The graph facts of an ONNX model's layers: for each layer the nearest layers upstream (through any other ops) and
 * downstream, whether its input is a ReLU's output, and which layers' output channels meet through {@code Add} or
 * {@code Concat} along channel-preserving ops (activations, normalisations, pooling, element-wise arithmetic).
 */
final class OnnxGraph {

    /** Ops that keep the channel axis as it is: a coupling can be traced through them. */
    static final Set<String> CHANNEL_PRESERVING = Set.of("Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid",
            "HardSwish", "Tanh", "Clip", "Elu", "Selu", "Softplus", "Gelu", "Erf", "BatchNormalization",
            "InstanceNormalization", "LayerNormalization", "Identity", "Dropout", "MaxPool", "AveragePool",
            "GlobalAveragePool", "GlobalMaxPool", "Pad", "Resize", "Upsample", "Add", "Sub", "Mul", "Div", "Cast");

    private final GraphProto graph;
    private final Set<String> constants;
    private final Map<Integer, ModelLayer> layers;
    private final Map<String, Integer> producer = new HashMap<>();

    OnnxGraph(GraphProto graph, Set<String> constants, Map<Integer, ModelLayer> layers) {
        this.graph = graph;
        this.constants = constants;
        this.layers = layers;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            for (String out : graph.getNode(i).getOutputList()) {
                if (!out.isEmpty()) {
                    producer.put(out, i);
                }
            }
        }
    }

    /** The layers, in node order, with producers, consumers and the ReLU-input flag filled in. */
    List<ModelLayer> withFacts() {
        Map<String, Set<String>> memo = new HashMap<>();
        Map<String, List<String>> producers = new LinkedHashMap<>();
        Map<String, Set<String>> consumers = new LinkedHashMap<>();
        for (Map.Entry<Integer, ModelLayer> e : layers.entrySet()) {
            NodeProto node = graph.getNode(e.getKey());
            List<String> ups = new ArrayList<>(nearest(dataInput(node), false, memo));
            producers.put(e.getValue().name(), ups);
            consumers.put(e.getValue().name(), new LinkedHashSet<>());
        }
        producers.forEach((layer, ups) -> ups.forEach(u -> consumers.get(u).add(layer)));
        List<ModelLayer> out = new ArrayList<>();
        for (Map.Entry<Integer, ModelLayer> e : layers.entrySet()) {
            NodeProto node = graph.getNode(e.getKey());
            Integer p = producer.get(dataInput(node));
            boolean relu = p != null && graph.getNode(p).getOpType().equals("Relu");
            ModelLayer l = e.getValue();
            out.add(l.withGraph(producers.get(l.name()), List.copyOf(consumers.get(l.name())), Optional.of(relu)));
        }
        return out;
    }

    /** Add couplings (merged where they share a layer, as residual chains do) and Concat couplings. */
    List<Coupling> couplings() {
        Map<String, Set<String>> memo = new HashMap<>();
        Map<String, String> parent = new HashMap<>();
        Map<String, String> via = new HashMap<>();
        List<Coupling> concats = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            String op = node.getOpType();
            if (!op.equals("Add") && !op.equals("Concat")) {
                continue;
            }
            List<Set<String>> sides = new ArrayList<>();
            for (String in : node.getInputList()) {
                if (!in.isEmpty() && !constants.contains(in)) {
                    Set<String> s = nearest(in, true, memo);
                    if (!s.isEmpty()) {
                        sides.add(s);
                    }
                }
            }
            if (sides.size() < 2) {
                continue;
            }
            Set<String> all = new LinkedHashSet<>();
            sides.forEach(all::addAll);
            if (op.equals("Concat")) {
                if (concats.stream().noneMatch(c -> c.layers().equals(List.copyOf(all)))) {
                    concats.add(new Coupling(Coupling.Kind.CONCAT, List.copyOf(all), OnnxModel.label(node)));
                }
                continue;
            }
            String first = null;
            for (String layer : all) {
                parent.putIfAbsent(layer, layer);
                if (first == null) {
                    first = find(parent, layer);
                    via.putIfAbsent(first, OnnxModel.label(node));
                } else {
                    String root = find(parent, layer);
                    if (!root.equals(first)) {
                        parent.put(root, first);
                        via.remove(root);
                    }
                }
            }
        }
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (ModelLayer l : layers.values()) {
            if (parent.containsKey(l.name())) {
                groups.computeIfAbsent(find(parent, l.name()), k -> new ArrayList<>()).add(l.name());
            }
        }
        List<Coupling> out = new ArrayList<>();
        groups.forEach((root, members) -> out.add(new Coupling(Coupling.Kind.ADD, members, via.getOrDefault(root, "Add"))));
        out.addAll(concats);
        return out;
    }

    private static String find(Map<String, String> parent, String x) {
        String root = x;
        while (!parent.get(root).equals(root)) {
            root = parent.get(root);
        }
        while (!parent.get(x).equals(root)) {
            String next = parent.get(x);
            parent.put(x, root);
            x = next;
        }
        return root;
    }

    private static String dataInput(NodeProto node) {
        return node.getInputCount() == 0 ? "" : node.getInput(0);
    }

    /**
     * The nearest layers whose outputs reach {@code tensor}: through any op, or only through channel-preserving ops.
     * Iterative with memoisation, so deep graphs cannot overflow the stack.
     */
    private Set<String> nearest(String tensor, boolean preservingOnly, Map<String, Set<String>> memo) {
        Deque<String> stack = new ArrayDeque<>();
        Set<String> visiting = new HashSet<>();
        stack.push(tensor);
        while (!stack.isEmpty()) {
            String t = stack.peek();
            if (memo.containsKey(t)) {
                stack.pop();
                continue;
            }
            Integer p = t.isEmpty() || constants.contains(t) ? null : producer.get(t);
            if (p == null) {
                memo.put(t, Set.of());
                stack.pop();
                continue;
            }
            ModelLayer layer = layers.get(p);
            if (layer != null) {
                memo.put(t, Set.of(layer.name()));
                stack.pop();
                continue;
            }
            NodeProto node = graph.getNode(p);
            if (preservingOnly && !CHANNEL_PRESERVING.contains(node.getOpType())) {
                memo.put(t, Set.of());
                stack.pop();
                continue;
            }
            boolean ready = true;
            if (visiting.add(t)) {
                for (String in : node.getInputList()) {
                    if (!in.isEmpty() && !memo.containsKey(in) && !visiting.contains(in)) {
                        stack.push(in);
                        ready = false;
                    }
                }
            }
            if (ready) {
                Set<String> union = new LinkedHashSet<>();
                for (String in : node.getInputList()) {
                    union.addAll(memo.getOrDefault(in, Set.of()));
                }
                memo.put(t, union.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(union));
                stack.pop();
            }
        }
        return memo.get(tensor);
    }
}
