package io.amctkit.runtime.calibration;

import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.TypeProto;
import io.amctkit.runtime.onnx.proto.ValueInfoProto;

import java.util.HashSet;
import java.util.Set;

/**
 * Taps on a model's intermediate tensors: the model with those tensors added as float graph outputs, so a run returns
 * them; or only the part of the model that computes them, so a run does no more.
 */
public final class CalibrationTaps {

    private CalibrationTaps() {
    }

    public static ModelProto withOutputs(ModelProto model, Set<String> tensors) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        Set<String> existing = new HashSet<>();
        g.getOutputList().forEach(o -> existing.add(o.getName()));
        for (String t : tensors) {
            if (existing.add(t)) {
                g.addOutput(ValueInfoProto.newBuilder().setName(t)
                        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    /**
     * The model cut down to what computes {@code tensors}: those are its only outputs, and it keeps only their ancestor
     * nodes and the constants those read (every graph input stays). A graph with control flow (If, Loop, Scan bodies
     * read outer tensors) is only tapped, not cut.
     */
    public static ModelProto upTo(ModelProto model, Set<String> tensors) {
        GraphProto g = model.getGraph();
        boolean controlFlow = g.getNodeList().stream().anyMatch(n -> n.getAttributeList().stream()
                .anyMatch(a -> a.hasG() || a.getGraphsCount() > 0));
        Set<String> inputs = new HashSet<>();
        g.getInputList().forEach(v -> inputs.add(v.getName()));
        if (controlFlow || tensors.stream().anyMatch(inputs::contains)) {
            return withOutputs(model, tensors);
        }
        java.util.Map<String, Integer> producer = new java.util.HashMap<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            for (String o : g.getNode(i).getOutputList()) {
                producer.put(o, i);
            }
        }
        boolean[] needed = new boolean[g.getNodeCount()];
        Set<String> used = new HashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(tensors);
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (!used.add(t)) {
                continue;
            }
            Integer n = producer.get(t);
            if (n != null && !needed[n]) {
                needed[n] = true;
                g.getNode(n).getInputList().stream().filter(x -> !x.isEmpty()).forEach(todo::push);
            }
        }
        GraphProto.Builder b = g.toBuilder().clearNode().clearInitializer().clearOutput().clearValueInfo();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (needed[i]) {
                b.addNode(g.getNode(i));
            }
        }
        g.getInitializerList().stream().filter(t -> used.contains(t.getName())).forEach(b::addInitializer);
        for (String t : tensors) {
            b.addOutput(ValueInfoProto.newBuilder().setName(t)
                    .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))));
        }
        return model.toBuilder().setGraph(b).build();
    }
}
