package io.amctkit.runtime.export;

import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.AttributeProto;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.prune.FilterPruneRecord;
import io.amctkit.runtime.prune.FilterPruning;
import io.amctkit.runtime.prune.PruneEntry;
import io.amctkit.runtime.session.SessionResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The filter-pruned model as AMCT's {@code RegularModelPruner} leaves it, in ONNX: every producer of AMCT's records
 * loses its pruned filters (Conv weight rows and bias, a Linear's output features and bias), every consumer the
 * matching inputs (Conv and Linear weight columns, grouped convolutions per group, BatchNormalization's four
 * parameters, depthwise convolutions their channels and groups). Records come from {@link FilterPruning}, so the
 * file, {@code record.txt} and the report agree. No model is written when AMCT's own pruned model would compute
 * something else (its Concat-offset and MatMul-input bugs); the result says why.
 */
public final class PrunedExport {

    /**
     * The pruned model (empty when refused), the layers that lost filters, the layers the config prunes that keep
     * them with why, and why no model was written (empty when one was).
     */
    public record Result(Optional<ModelProto> model, List<String> pruned, List<String> keptWhole, List<String> refused) {
        public Result {
            pruned = List.copyOf(pruned);
            keptWhole = List.copyOf(keptWhole);
            refused = List.copyOf(refused);
        }
    }

    private final GraphProto graph;
    private final Map<String, TensorProto> constants;
    private final Map<String, Integer> nodeByName = new HashMap<>();

    private PrunedExport(OnnxModel model, FilterPruning pruning) {
        this.graph = model.proto().getGraph();
        this.constants = OnnxEdits.constants(graph);
        pruning.nodeIndices().forEach(nodeByName::put);
    }

    public static Result of(OnnxModel model, SessionResult session) {
        FilterPruning pruning = session.filterPruning();
        List<String> kept = new ArrayList<>();
        pruning.keptWhole().forEach((layer, why) -> kept.add(layer + ": " + why));
        Set<String> pruned = new LinkedHashSet<>();
        pruning.records().stream().filter(FilterPruneRecord::prunes).forEach(r -> pruned.addAll(r.producerNames()));
        if (!pruning.exportBlockers().isEmpty()) {
            return new Result(Optional.empty(), List.copyOf(pruned), kept, pruning.exportBlockers());
        }
        if (pruned.isEmpty()) {
            return new Result(Optional.empty(), List.of(), kept, List.of("AMCT prunes no filter of this model"));
        }
        PrunedExport e = new PrunedExport(model, pruning);
        return new Result(Optional.of(model.proto().toBuilder().setGraph(e.apply(pruning)).build()), List.copyOf(pruned), kept, List.of());
    }

    /** Removes, per node, the union of its records' indices in original coordinates (AMCT prunes record by record). */
    private GraphProto apply(FilterPruning pruning) {
        Map<Integer, TreeSet<Integer>> outputs = new HashMap<>();
        Map<Integer, TreeSet<Integer>> inputs = new HashMap<>();
        for (FilterPruneRecord r : pruning.records()) {
            if (!r.prunes()) {
                continue;
            }
            for (PruneEntry p : r.producers()) {
                add(outputs, p);
            }
            for (PruneEntry c : r.consumers()) {
                if (!c.type().equals("Add") && !c.type().equals("Concat")) {
                    add(inputs, c);
                }
            }
        }
        Map<String, TensorProto> replaced = new HashMap<>();
        Map<Integer, Integer> newGroups = new HashMap<>();
        Set<Integer> touched = new HashSet<>(outputs.keySet());
        touched.addAll(inputs.keySet());
        for (int i : touched) {
            NodeProto n = graph.getNode(i);
            int[] out = ints(outputs.get(i));
            int[] in = ints(inputs.get(i));
            switch (n.getOpType()) {
                case "Conv" -> conv(i, n, out, in, replaced, newGroups);
                case "Gemm" -> {
                    boolean transB = attr(n, "transB", 0) != 0;
                    cut(replaced, n.getInput(1), transB ? 0 : 1, out);
                    cut(replaced, n.getInput(1), transB ? 1 : 0, in);
                    if (out.length > 0 && n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                        TensorProto c = current(replaced, n.getInput(2));
                        if (c.getDimsCount() >= 1 && c.getDims(c.getDimsCount() - 1) > 1) {
                            cut(replaced, n.getInput(2), c.getDimsCount() - 1, out);
                        }
                    }
                }
                case "MatMul" -> {
                    cut(replaced, n.getInput(1), 1, out);
                    cut(replaced, n.getInput(1), 0, in);
                    if (out.length > 0) {
                        linearBias(n).ifPresent(b -> cut(replaced, b, 0, out));
                    }
                }
                case "BatchNormalization" -> {
                    for (int k = 1; k <= 4; k++) {
                        cut(replaced, n.getInput(k), 0, in);
                    }
                }
                case "ConvTranspose" -> cut(replaced, n.getInput(1), 0, in);
                default -> throw new IllegalStateException("AMCT's records name " + n.getOpType() + " node " + n.getName()
                        + ", which has no weights to prune");
            }
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

    /** AMCT's {@code Conv2dModulePruneHelper}: rows for filters; columns for inputs (per group), or channels for depthwise. */
    private void conv(int index, NodeProto n, int[] out, int[] in, Map<String, TensorProto> replaced, Map<Integer, Integer> newGroups) {
        int groups = (int) attr(n, "group", 1);
        TensorProto w = current(replaced, n.getInput(1));
        int cin = (int) (w.getDims(1) * groups);
        boolean depthwise = groups != 1 && groups == cin;
        String bias = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? n.getInput(2) : null;
        if (depthwise && in.length > 0) {
            cut(replaced, n.getInput(1), 0, in);
            if (bias != null) {
                cut(replaced, bias, 0, in);
            }
            newGroups.put(index, groups - in.length);
        } else if (groups != 1 && in.length > 0) {
            replaced.put(n.getInput(1), withoutGroupedInputs(current(replaced, n.getInput(1)), groups, in));
        } else {
            cut(replaced, n.getInput(1), 1, in);
        }
        cut(replaced, n.getInput(1), 0, out);
        if (bias != null && out.length > 0) {
            cut(replaced, bias, 0, out);
        }
    }

    /** A grouped weight [Cout, Cin/g, k…] without the global input channels {@code drop} (each group loses its own). */
    private static TensorProto withoutGroupedInputs(TensorProto w, int groups, int[] drop) {
        long[] shape = w.getDimsList().stream().mapToLong(Long::longValue).toArray();
        float[] v = OnnxEdits.floatValues(w);
        int cout = (int) shape[0];
        int perGroupIn = (int) shape[1];
        int perGroupOut = cout / groups;
        long inner = v.length / ((long) cout * perGroupIn);
        Set<Integer> gone = new HashSet<>();
        for (int d : drop) {
            gone.add(d);
        }
        int keptPerGroup = perGroupIn - drop.length / groups;
        float[] out = new float[(int) ((long) cout * keptPerGroup * inner)];
        int at = 0;
        for (int o = 0; o < cout; o++) {
            int g = o / perGroupOut;
            for (int j = 0; j < perGroupIn; j++) {
                if (gone.contains(g * perGroupIn + j)) {
                    continue;
                }
                int from = (int) (((long) o * perGroupIn + j) * inner);
                System.arraycopy(v, from, out, at, (int) inner);
                at += (int) inner;
            }
        }
        shape[1] = keptPerGroup;
        return OnnxEdits.floats(w.getName(), out, shape);
    }

    /** The bias Add AMCT folds into a Linear exported as MatMul: its 1-D constant input. */
    private Optional<String> linearBias(NodeProto matmul) {
        String y = matmul.getOutput(0);
        for (NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("Add") && n.getInputCount() == 2 && n.getInputList().contains(y)) {
                String other = n.getInput(0).equals(y) ? n.getInput(1) : n.getInput(0);
                TensorProto t = constants.get(other);
                if (t != null && t.getDimsCount() == 1) {
                    return Optional.of(other);
                }
            }
        }
        return Optional.empty();
    }

    private void add(Map<Integer, TreeSet<Integer>> cuts, PruneEntry e) {
        Integer node = nodeByName.get(e.name());
        if (node == null) {
            throw new IllegalStateException("AMCT's record names " + e.name() + ", which is not a node of the model");
        }
        TreeSet<Integer> s = cuts.computeIfAbsent(node, k -> new TreeSet<>());
        for (int i : e.pruneIndex()) {
            s.add(i);
        }
    }

    private TensorProto current(Map<String, TensorProto> replaced, String name) {
        TensorProto t = replaced.getOrDefault(name, constants.get(name));
        if (t == null) {
            throw new IllegalStateException("tensor " + name + " is not a constant of the model");
        }
        return t;
    }

    private void cut(Map<String, TensorProto> replaced, String name, int axis, int[] drop) {
        if (drop.length > 0) {
            replaced.put(name, without(current(replaced, name), axis, drop));
        }
    }

    private static int[] ints(TreeSet<Integer> s) {
        return s == null ? new int[0] : s.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long attr(NodeProto n, String name, long fallback) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return fallback;
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
        float[] out = new float[(int) (v.length / channels * (channels - gone.size()))];
        int at = 0;
        for (int i = 0; i < v.length; i++) {
            if (!gone.contains((int) ((i / inner) % channels))) {
                out[at++] = v[i];
            }
        }
        shape[axis] -= gone.size();
        return OnnxEdits.floats(t.getName(), out, shape);
    }
}
