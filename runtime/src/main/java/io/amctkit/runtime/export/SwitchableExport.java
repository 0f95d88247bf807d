package io.amctkit.runtime.export;

import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.onnx.proto.TensorShapeProto;
import io.amctkit.runtime.onnx.proto.TypeProto;
import io.amctkit.runtime.onnx.proto.ValueInfoProto;
import io.amctkit.runtime.prune.FilterPruneRecord;
import io.amctkit.runtime.prune.PruneEntry;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.amctkit.runtime.export.OnnxEdits.floats;
import static io.amctkit.runtime.export.OnnxEdits.op;
import static io.amctkit.runtime.export.OnnxEdits.scalar;

/**
 * One model in which every compressed layer can be switched between float and compressed at run time, so that a
 * whole sensitivity analysis runs in one ONNX Runtime session: the graph input {@value #SWITCHES} holds one float per
 * layer (0 float, 1 compressed). A switched-on layer's input goes through AMCT's activation fake quantization
 * (dequantized), its weight and bias become the fake-quant model's (dequantized levels, with the layer's 2:4 zeros or
 * pruned filters), and the input channels its pruned filters feed are cut from every consumer (zeroed weights, the
 * pruned model's equivalent). With every switch on it computes the compressed model; with every switch off, the float
 * model.
 */
public final class SwitchableExport {

    /** The graph input holding the switches. */
    public static final String SWITCHES = "amctkit_switches";

    /** The model, its switchable layers in switch order, and the compressed layers that could not be switched, with why. */
    public record Result(ModelProto model, List<String> layers, List<String> leftOut) {
        public Result {
            layers = List.copyOf(layers);
            leftOut = List.copyOf(leftOut);
        }
    }

    private final OnnxModel model;
    private final SessionResult session;
    private final ExportPlan plan;
    private final List<NodeProto> extra = new ArrayList<>();
    private final List<TensorProto> added = new ArrayList<>();
    private final Map<String, Integer> switchOf = new LinkedHashMap<>();

    private SwitchableExport(OnnxModel model, SessionResult session) {
        this.model = model;
        this.session = session;
        this.plan = ExportPlan.of(model, session);
    }

    public static Result of(OnnxModel model, SessionResult session) {
        return new SwitchableExport(model, session).build();
    }

    private Result build() {
        GraphProto g = model.proto().getGraph();
        Map<String, LayerReport> reports = new HashMap<>();
        session.layers().forEach(r -> reports.put(r.name(), r));
        List<String> leftOut = new ArrayList<>(plan.leftFloat);
        // which nodes are compressed layers, and their switch index
        Map<String, NodeProto> nodeOfLayer = new LinkedHashMap<>();
        for (NodeProto node : g.getNodeList()) {
            Optional<ModelLayer> layer = node.getOutputCount() == 0 ? Optional.empty() : model.layerProducing(node.getOutput(0));
            if (layer.isEmpty()) {
                continue;
            }
            LayerReport r = reports.get(layer.get().name());
            boolean pruned = r != null && !r.pruneKind().isEmpty() && (r.pruneKind().equals("2:4") || r.artifacts().prunedFilters().length > 0);
            boolean quantized = plan.target(node).isPresent();
            if ((quantized || pruned) && node.getInputCount() > 1 && plan.constants.containsKey(node.getInput(1))) {
                nodeOfLayer.put(layer.get().name(), node);
                switchOf.put(layer.get().name(), switchOf.size());
            }
        }
        // consumers' input-channel cuts, from AMCT's filter-prune records
        Map<String, List<Cut>> cuts = consumerCuts();
        Map<String, String> weightInput = new HashMap<>();   // node output -> the (possibly blended) weight tensor to use
        Map<String, String> biasInput = new HashMap<>();
        Map<String, String> dataInput = new HashMap<>();
        for (Map.Entry<String, NodeProto> e : nodeOfLayer.entrySet()) {
            String layer = e.getKey();
            NodeProto node = e.getValue();
            String s = switchScalar(layer);
            LayerReport report = reports.get(layer);
            ModelLayer l = model.layer(layer).orElseThrow();
            String w = node.getInput(1);
            TensorProto stored = plan.constants.get(w);
            float[] original = OnnxEdits.floatValues(stored);
            float[] compressed;
            Optional<ExportPlan.Target> t = plan.target(node);
            if (t.isPresent()) {
                float[] levels = t.get().weightLevels(model, report.weightBits());
                compressed = dequantized(levels, t.get().scaleW(), stored, ExportPlan.outputAxis(node));
                String p = layer + ".switch.act.";
                ExportPlan.Target target = t.get();
                added.add(scalar(p + "inv_scale", (float) (1.0 / target.scaleD())));
                added.add(scalar(p + "scale", target.scaleD()));
                added.add(scalar(p + "offset", target.offsetD()));
                added.add(scalar(p + "min", -(1 << (target.bits() - 1))));
                added.add(scalar(p + "max", (1 << (target.bits() - 1)) - 1));
                String x = node.getInput(0);
                extra.add(op("Mul", p + "mul", List.of(x, p + "inv_scale"), p + "mul.out"));
                extra.add(op("Round", p + "round", List.of(p + "mul.out"), p + "round.out"));
                extra.add(op("Add", p + "add", List.of(p + "round.out", p + "offset"), p + "add.out"));
                extra.add(op("Clip", p + "clip", List.of(p + "add.out", p + "min", p + "max"), p + "clip.out"));
                extra.add(op("Sub", p + "sub", List.of(p + "clip.out", p + "offset"), p + "sub.out"));
                extra.add(op("Mul", p + "deq", List.of(p + "sub.out", p + "scale"), p + "deq.out"));
                dataInput.put(node.getOutput(0), blend(p + "blend", x, p + "deq.out", s));
                if (node.getInputCount() > 2 && plan.constants.containsKey(node.getInput(2))) {
                    float[] b = OnnxEdits.floatValues(plan.constants.get(node.getInput(2)));
                    float[] deq = target.deqScales();
                    float[] qb = new float[b.length];
                    for (int i = 0; i < b.length; i++) {
                        float d = deq[deq.length == 1 ? 0 : i];
                        qb[i] = (float) Math.rint(b[i] / d) * d;
                    }
                    biasInput.put(node.getOutput(0), blendConstant(layer + ".switch.bias", node.getInput(2), b, qb,
                            plan.constants.get(node.getInput(2)), s));
                }
            } else {
                INDArray sparse = ExportPlan.sparsified(model, l, report);
                compressed = sparse.dup('c').data().asFloat();
                sparse.close();
            }
            String blended = blendConstant(layer + ".switch.weight", w, original, compressed, stored, s);
            weightInput.put(node.getOutput(0), blended);
        }
        // rewrite the graph: layer nodes read the blended tensors; consumer cuts multiply their weights
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto node : g.getNodeList()) {
            if (node.getOutputCount() == 0 || node.getInputCount() < 2) {
                nodes.add(node);
                continue;
            }
            String out = node.getOutput(0);
            NodeProto.Builder b = node.toBuilder();
            if (dataInput.containsKey(out)) {
                b.setInput(0, dataInput.get(out));
            }
            String w = weightInput.getOrDefault(out, node.getInput(1));
            Optional<ModelLayer> layer = model.layerProducing(out);
            for (Cut c : layer.map(l -> cuts.getOrDefault(l.name(), List.of())).orElse(List.of())) {
                w = applyCut(layer.get().name(), w, c);
            }
            b.setInput(1, w);
            if (biasInput.containsKey(out)) {
                b.setInput(2, biasInput.get(out));
            }
            nodes.add(b.build());
        }
        List<NodeProto> all = new ArrayList<>(extra);
        all.addAll(nodes);
        GraphProto.Builder rebuilt = OnnxEdits.rebuild(g, all, Map.of(), added).toBuilder();
        rebuilt.addInput(ValueInfoProto.newBuilder().setName(SWITCHES).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(1).setShape(TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(Math.max(1, switchOf.size())))))));
        ModelProto out = model.proto().toBuilder().setGraph(topological(rebuilt.build())).build();
        return new Result(out, List.copyOf(switchOf.keySet()), leftOut);
    }

    /** One record's cut of a consumer's input channels: which stored-weight entries, switched by which producers. */
    private record Cut(String record, float[] mask, List<String> producers) {
    }

    private Map<String, List<Cut>> consumerCuts() {
        Map<String, List<Cut>> out = new HashMap<>();
        int r = 0;
        for (FilterPruneRecord rec : session.filterPruning().records()) {
            r++;
            if (!rec.prunes()) {
                continue;
            }
            List<String> producers = rec.producerNames().stream().filter(switchOf::containsKey).toList();
            if (producers.isEmpty()) {
                continue;
            }
            for (PruneEntry c : rec.consumers()) {
                Optional<ModelLayer> layer = model.layer(c.name());
                if (layer.isEmpty() || !(c.type().equals("Conv") || c.type().equals("Gemm") || c.type().equals("MatMul"))) {
                    continue;   // BatchNormalization, Add, Concat: the channels are cut where they are read
                }
                NodeProto node = nodeOf(layer.get());
                if (node == null) {
                    continue;
                }
                TensorProto w = plan.constants.get(node.getInput(1));
                float[] mask = InputChannels.mask(node, w, c.pruneIndex());
                if (mask != null) {
                    out.computeIfAbsent(c.name(), k -> new ArrayList<>()).add(new Cut("r" + r, mask, producers));
                }
            }
        }
        return out;
    }

    private NodeProto nodeOf(ModelLayer layer) {
        for (NodeProto n : model.proto().getGraph().getNodeList()) {
            if (n.getOutputCount() > 0 && model.layerProducing(n.getOutput(0)).map(l -> l.name().equals(layer.name())).orElse(false)) {
                return n;
            }
        }
        return null;
    }

    /** weight · (1 − s·mask), s the largest of the record's producers' switches. */
    private String applyCut(String layer, String weight, Cut c) {
        String p = layer + ".switch.cut." + c.record() + ".";
        TensorProto w = plan.constants.get(weightName(weight));
        long[] shape = w == null ? new long[]{c.mask().length} : w.getDimsList().stream().mapToLong(Long::longValue).toArray();
        added.add(floats(p + "mask", c.mask(), shape));
        added.add(scalar(p + "one", 1f));
        String s;
        if (c.producers().size() == 1) {
            s = switchScalar(c.producers().get(0));
        } else {
            List<String> inputs = c.producers().stream().map(this::switchScalar).toList();
            extra.add(op("Max", p + "max", inputs, p + "max.out"));
            s = p + "max.out";
        }
        extra.add(op("Mul", p + "smask", List.of(p + "mask", s), p + "smask.out"));
        extra.add(op("Sub", p + "keep", List.of(p + "one", p + "smask.out"), p + "keep.out"));
        extra.add(op("Mul", p + "apply", List.of(weight, p + "keep.out"), p + "apply.out"));
        return p + "apply.out";
    }

    private final Map<String, String> blendedFrom = new HashMap<>();

    private String weightName(String tensor) {
        return blendedFrom.getOrDefault(tensor, tensor);
    }

    /** The scalar switch of a layer: Gather(switches, i). */
    private String switchScalar(String layer) {
        String name = "amctkit.switch." + switchOf.get(layer);
        if (added.stream().noneMatch(t -> t.getName().equals(name + ".index"))) {
            added.add(TensorProto.newBuilder().setName(name + ".index").setDataType(7).addInt64Data(switchOf.get(layer)).build());
            extra.add(NodeProto.newBuilder().setOpType("Gather").setName(name).addInput(SWITCHES).addInput(name + ".index")
                    .addOutput(name + ".out").build());
        }
        return name + ".out";
    }

    /** x + s·(y − x). */
    private String blend(String p, String x, String y, String s) {
        extra.add(op("Sub", p + ".diff", List.of(y, x), p + ".diff.out"));
        extra.add(op("Mul", p + ".scaled", List.of(p + ".diff.out", s), p + ".scaled.out"));
        extra.add(op("Add", p, List.of(x, p + ".scaled.out"), p + ".out"));
        return p + ".out";
    }

    /** A constant blended with its compressed value: original + s·(compressed − original), the difference stored. */
    private String blendConstant(String p, String original, float[] values, float[] compressed, TensorProto stored, String s) {
        float[] diff = new float[values.length];
        for (int i = 0; i < diff.length; i++) {
            diff[i] = compressed[i] - values[i];
        }
        added.add(floats(p + ".diff", diff, stored.getDimsList().stream().mapToLong(Long::longValue).toArray()));
        extra.add(op("Mul", p + ".scaled", List.of(p + ".diff", s), p + ".scaled.out"));
        extra.add(op("Add", p, List.of(original, p + ".scaled.out"), p + ".out"));
        blendedFrom.put(p + ".out", original);
        return p + ".out";
    }

    /** Dequantized levels: level · scale of its output channel, in the stored layout. */
    private static float[] dequantized(float[] levels, float[] scales, TensorProto stored, int axis) {
        long[] shape = stored.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        float[] out = new float[levels.length];
        for (int i = 0; i < levels.length; i++) {
            int c = scales.length == 1 ? 0 : (int) ((i / inner) % shape[axis]);
            out[i] = levels[i] * scales[c];
        }
        return out;
    }

    /** The nodes in an order where every input is produced before it is read (the added nodes read graph tensors). */
    private static GraphProto topological(GraphProto g) {
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            for (String o : g.getNode(i).getOutputList()) {
                producer.put(o, i);
            }
        }
        int n = g.getNodeCount();
        boolean[] done = new boolean[n];
        List<NodeProto> order = new ArrayList<>(n);
        java.util.ArrayDeque<int[]> stack = new java.util.ArrayDeque<>();
        for (int start = 0; start < n; start++) {
            if (done[start]) {
                continue;
            }
            stack.push(new int[]{start, 0});
            while (!stack.isEmpty()) {
                int[] top = stack.peek();
                NodeProto node = g.getNode(top[0]);
                if (top[1] < node.getInputCount()) {
                    Integer p = producer.get(node.getInput(top[1]++));
                    if (p != null && !done[p] && stack.stream().noneMatch(f -> f[0] == p)) {
                        stack.push(new int[]{p, 0});
                    }
                    continue;
                }
                stack.pop();
                if (!done[top[0]]) {
                    done[top[0]] = true;
                    order.add(node);
                }
            }
        }
        return g.toBuilder().clearNode().addAllNode(order).build();
    }
}
