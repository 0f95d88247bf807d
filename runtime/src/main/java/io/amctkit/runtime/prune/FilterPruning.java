package io.amctkit.runtime.prune;

import io.amctkit.dsl.resolve.PrunePlan;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.kernels.FilterPruner;
import io.amctkit.kernels.KernelException;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.onnx.OnnxModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * What AMCT's filter pruning ({@code balanced_l2_norm_filter_prune}) does to a model, decided once and used by the
 * session's kept-filter numbers, {@code record.txt} and {@code pruned_model.onnx} alike: AMCT's records (producers
 * merged as AMCT merges them, every consumer with its range, group and {@code prune_index}), the channels each node
 * loses, why each layer the config prunes keeps its filters when it does, and AMCT's bugs met on the way.
 *
 * <p>On an ONNX model the records come from AMCT's graph walk (pruning-graph.md); a model without a graph
 * (safetensors, PyTorch checkpoints) gets one record per layer and no consumers, which the notes say.
 */
public final class FilterPruning {

    /** Nothing is filter-pruned. */
    public static final FilterPruning NONE = new FilterPruning(List.of(), Map.of(), List.of(), List.of(), Map.of());

    private final List<FilterPruneRecord> records;
    private final Map<String, String> keptWhole;
    private final List<String> warnings;
    private final List<String> exportBlockers;
    private final Map<String, Integer> nodeIndices;

    private FilterPruning(List<FilterPruneRecord> records, Map<String, String> keptWhole, List<String> warnings,
                          List<String> exportBlockers, Map<String, Integer> nodeIndices) {
        this.records = List.copyOf(records);
        this.keptWhole = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keptWhole));
        this.warnings = List.copyOf(warnings);
        this.exportBlockers = List.copyOf(exportBlockers);
        this.nodeIndices = Map.copyOf(nodeIndices);
    }

    /** Analyses {@code model} under an accepted resolution, choosing the channels with the bcp kernel. */
    public static FilterPruning of(Model model, Resolution resolution, Kernels kernels) {
        Map<String, PrunePlan> plans = new LinkedHashMap<>();
        for (ModelLayer l : model.layers()) {
            resolution.plan(l.name()).flatMap(p -> p.prune()).filter(p -> p.enabled() && p.isFilter())
                    .ifPresent(p -> plans.put(l.name(), p));
        }
        if (plans.isEmpty()) {
            return NONE;
        }
        if (model instanceof OnnxModel onnx) {
            return fromGraph(onnx, plans, kernels);
        }
        List<FilterPruneRecord> records = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, PrunePlan> e : plans.entrySet()) {
            ModelLayer layer = model.layer(e.getKey()).orElseThrow();
            int cout = layer.outChannels().orElse((int) layer.weightShape()[0]);
            RecordWalk.Draft d = new RecordWalk.Draft();
            d.producers.add(new RecordWalk.Entry(layer.name(), layer.type().startsWith("Conv") ? "Conv" : "Gemm", 0, cout, 0));
            chooseChannels(d, model, plans, kernels, warnings);
            records.add(freeze(d));
        }
        warnings.add("the model file has no graph: each layer is pruned on its own and its consumers are not known"
                + " (AMCT decides from the graph which layers it can prune; an ONNX export shows that)");
        return new FilterPruning(records, Map.of(), warnings, List.of("the model has no graph"), Map.of());
    }

    private static FilterPruning fromGraph(OnnxModel model, Map<String, PrunePlan> plans, Kernels kernels) {
        PruneGraph graph = PruneGraph.of(model);
        RecordWalk.Outcome walk = RecordWalk.run(graph, plans::containsKey);
        List<String> warnings = new ArrayList<>();
        List<String> blockers = new ArrayList<>();
        Map<String, String> kept = new LinkedHashMap<>(walk.deleted());
        List<FilterPruneRecord> records = new ArrayList<>();
        for (RecordWalk.Draft d : walk.records()) {
            chooseChannels(d, model, plans, kernels, warnings);
            String producers = String.join(", ", d.producers.stream().map(p -> p.name).toList());
            if (d.crashAt != null && (d.index().length > 0 || d.crashAt.startsWith("bcp"))) {
                warnings.add("AMCT's create_prune_retrain_model fails on the record of " + producers + ": " + d.crashAt
                        + "; amctkit leaves " + producers + " unpruned");
                d.producers.forEach(p -> kept.putIfAbsent(p.name, "AMCT cannot prune it: " + d.crashAt));
                continue;
            }
            String broken = d.index().length > 0 ? forwardFailure(d, graph) : null;
            if (broken != null) {
                warnings.add("AMCT's forward check drops the record of " + producers + " (\"Disable pruning for layer "
                        + d.producers.get(0).name + " because the forward pass cannot run\"): " + broken);
                d.producers.forEach(p -> kept.putIfAbsent(p.name, "AMCT's forward check drops its record: " + broken));
                continue;
            }
            if (d.index().length == 0) {
                d.producers.forEach(p -> kept.putIfAbsent(p.name, "AMCT keeps its record but finds no channel to prune"
                        + " (prune_ratio too small for its " + d.width() + " channels, or ascend_optimized rounding)"));
            }
            if (d.index().length > 0 && d.unreadAt != null) {
                String w = "AMCT bug: " + producers + " is pruned though " + d.unreadAt + ", which AMCT never updates: its"
                        + " pruned model computes something else (pruning-graph.md §9.4)";
                warnings.add(w);
                blockers.add(w);
            }
            if (d.index().length > 0 && d.offsetBug != null) {
                String w = "AMCT bug: " + d.offsetBug + ": AMCT's pruned model removes other input channels than the ones"
                        + " it prunes (the Concat-offset bug, pruning-graph.md §8.4); record.txt reproduces AMCT's record";
                warnings.add(w);
                blockers.add(w);
            }
            records.add(freeze(d));
        }
        for (ModelLayer l : model.layers()) {
            if (plans.containsKey(l.name()) && records.stream().noneMatch(r -> r.producerNames().contains(l.name()))) {
                kept.putIfAbsent(l.name(), graph.nodes().stream().filter(n -> n.name().equals(l.name())).findFirst()
                        .map(n -> n.reused() ? "a module called more than once: AMCT does not prune reused modules"
                                : !RecordWalk.prunableType(n) ? "AMCT prunes only 2-D, non-depthwise convolutions and linears"
                                : "its output never reaches a layer that reads it")
                        .orElse("it is inside a subgraph or was removed from the graph AMCT walks"));
            }
        }
        records.stream().filter(FilterPruneRecord::prunes).forEach(r -> r.producerNames().forEach(kept::remove));
        Map<String, String> inModelOrder = new LinkedHashMap<>();
        model.layers().stream().filter(l -> kept.containsKey(l.name())).forEach(l -> inModelOrder.put(l.name(), kept.get(l.name())));
        kept.forEach(inModelOrder::putIfAbsent);
        Map<String, Integer> indices = new java.util.HashMap<>();
        graph.nodes().stream().filter(n -> !n.op().equals(PruneRoles.D4TO2)).forEach(n -> indices.putIfAbsent(n.name(), n.id()));
        return new FilterPruning(records, inModelOrder, warnings, blockers, indices);
    }

    /** AMCT's {@code PuneIndexHelper.cal_prune_cout}: one bcp over the record's producers; indices shifted by each node's begin. */
    private static void chooseChannels(RecordWalk.Draft d, Model model, Map<String, PrunePlan> plans, Kernels kernels,
                                       List<String> warnings) {
        double ratio = Double.POSITIVE_INFINITY;
        boolean ascend = false;
        List<INDArray> weights = new ArrayList<>();
        try {
            for (RecordWalk.Entry p : d.producers) {
                PrunePlan plan = plans.get(p.name);
                // AMCT reads the ratio as float(str(np.float32(v))): the shortest decimal of the float32
                ratio = Math.min(ratio, plan == null ? 0 : Double.parseDouble(Float.toString(plan.pruneRatio().orElse(0f))));
                ascend |= plan != null && plan.ascendOptimized();
                ModelLayer layer = model.layer(p.name).orElseThrow();
                INDArray w = model.weight(layer);
                weights.add(p.begin == 0 && p.end == w.size(0) ? w : w.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(p.begin, p.end)));
            }
            int group = d.producers.get(0).pruneGroup == null ? 1 : d.producers.get(0).pruneGroup;
            int[] axes = new int[weights.size()];
            FilterPruner.Result r = kernels.filterPrune(d.producers.get(0).name, weights, axes, ratio, group, ascend);
            int[] local = r.prunedIndices();
            if (local.length > 0) {
                d.producers.forEach(e -> e.index = shifted(local, e.begin));
                d.consumers.forEach(e -> e.index = shifted(local, e.begin));
            }
            r.diagnostics().forEach(warnings::add);
        } catch (KernelException e) {
            warnings.add("AMCT's bcp fails on the record of " + d.producers.get(0).name + ": " + e.getMessage());
            d.crashAt = "bcp fails: " + e.getMessage();
        } finally {
            weights.forEach(INDArray::close);
        }
    }

    private static int[] shifted(int[] local, int begin) {
        return Arrays.stream(local).map(i -> i + begin).toArray();
    }

    /** Why AMCT's train-mode forward pass fails once the record is applied, or null when it runs (§9.2). */
    private static String forwardFailure(RecordWalk.Draft d, PruneGraph graph) {
        if (d.brokenBy != null) {
            return d.brokenBy;
        }
        for (RecordWalk.Entry c : d.consumers) {
            if (c.group != null && c.type.equals("Conv")) {
                int per = c.width() / c.group;
                int[] counts = new int[c.group];
                for (int i : c.index) {
                    counts[Math.min(c.group - 1, (i - c.begin) / Math.max(1, per))]++;
                }
                if (Arrays.stream(counts).distinct().count() > 1) {
                    return "grouped convolution " + c.name + " would lose " + Arrays.toString(counts)
                            + " input channels per group (AMCT's reshape needs the same count in every group)";
                }
            }
        }
        for (RecordWalk.Entry p : d.producers) {
            if (p.group != null && (p.width() - p.index.length) % p.group != 0) {
                return "grouped convolution " + p.name + " would keep " + (p.width() - p.index.length) + " filters, not a multiple"
                        + " of its " + p.group + " groups";
            }
        }
        return null;
    }

    private static FilterPruneRecord freeze(RecordWalk.Draft d) {
        return new FilterPruneRecord(d.producers.stream().map(FilterPruning::freeze).toList(),
                d.consumers.stream().map(FilterPruning::freeze).toList());
    }

    private static PruneEntry freeze(RecordWalk.Entry e) {
        return new PruneEntry(e.name, e.type, e.begin, e.end, e.group == null ? OptionalInt.empty() : OptionalInt.of(e.group),
                e.pruneGroup == null ? OptionalInt.empty() : OptionalInt.of(e.pruneGroup), e.index);
    }

    /** AMCT's records, in the order AMCT writes them. */
    public List<FilterPruneRecord> records() {
        return records;
    }

    /**
     * For each layer the config filter-prunes that keeps all its filters: why (the op that blocked it, AMCT's rule), in
     * model order (so that reports list them the same way every run).
     */
    public Map<String, String> keptWhole() {
        return keptWhole;
    }

    /** AMCT's bugs, crashes and dropped records met on this model: what AMCT will do, said loudly. */
    public List<String> warnings() {
        return warnings;
    }

    /** Reasons AMCT's pruned model would compute something else: no pruned model is written while there are any. */
    public List<String> exportBlockers() {
        return exportBlockers;
    }

    /** Whether the records come from the model's graph (an ONNX model) rather than one record per layer. */
    public boolean fromGraph() {
        return !nodeIndices.isEmpty();
    }

    /** The top-level ONNX node behind each name the records use (empty without a graph). */
    public Map<String, Integer> nodeIndices() {
        return nodeIndices;
    }

    /** The output channels {@code node} loses (the union over the records it produces for), ascending. */
    public int[] prunedOutputs(String node) {
        return union(node, true);
    }

    /** The input channels {@code node} loses as a consumer (its own axis), ascending. */
    public int[] prunedInputs(String node) {
        return union(node, false);
    }

    /** The record entries naming {@code node} as a consumer. */
    public List<PruneEntry> consumerEntries(String node) {
        return records.stream().flatMap(r -> r.consumers().stream()).filter(c -> c.name().equals(node)).toList();
    }

    private int[] union(String node, boolean producers) {
        TreeSet<Integer> all = new TreeSet<>();
        for (FilterPruneRecord r : records) {
            for (PruneEntry e : producers ? r.producers() : r.consumers()) {
                if (e.name().equals(node)) {
                    Arrays.stream(e.pruneIndex()).forEach(all::add);
                }
            }
        }
        return all.stream().mapToInt(Integer::intValue).toArray();
    }
}
