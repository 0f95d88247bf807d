package io.amctkit.runtime.retrain;

import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.export.OnnxEdits;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.prune.FilterPruneRecord;
import io.amctkit.runtime.prune.FilterPruning;
import io.amctkit.runtime.prune.PruneEntry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fine-tuning AMCT expects after pruning, done in closed form: every layer that lost input channels is refitted,
 * in model order, so that from the channels it keeps it reconstructs what the float model's layer computed (least
 * squares with a small ridge on the inputs the pruned model, earlier refits included, actually gives it), as channel
 * pruning and ThiNet do. Convolutions (groups 1) are refitted through im2col rows, Gemm and MatMul directly.
 */
public final class ConsumerRefit {

    /** The refitted pruned model and, per consumer, the reconstruction error before and after (mean squared). */
    public record Result(ModelProto model, Map<String, double[]> errors, List<String> skipped) {
    }

    private ConsumerRefit() {
    }

    /**
     * @param floatModel  the original model
     * @param pruned      the pruned model (channels removed; node and tensor names as in the original)
     * @param pruning     AMCT's records (which layers lost input channels) and where their nodes are
     * @param ridge       the ridge, relative to the mean diagonal of the inputs' Gram matrix
     */
    public static Result refit(ModelProto floatModel, ModelProto pruned, FilterPruning pruning, SampleSource source, int samples,
                               double ridge) {
        return refit(floatModel, pruned, pruning, source, samples, ridge, Runtime.getRuntime().availableProcessors());
    }

    /** The same, ONNX Runtime running on {@code threads} threads. */
    public static Result refit(ModelProto floatModel, ModelProto pruned, FilterPruning pruning, SampleSource source, int samples,
                               double ridge, int threads) {
        Set<String> consumers = new LinkedHashSet<>();
        for (FilterPruneRecord r : pruning.records()) {
            if (r.prunes()) {
                for (PruneEntry c : r.consumers()) {
                    if (c.type().equals("Conv") || c.type().equals("Gemm") || c.type().equals("MatMul")) {
                        consumers.add(c.name());
                    }
                }
            }
        }
        Map<String, Integer> nodeOf = pruning.nodeIndices();
        List<Integer> order = consumers.stream().map(nodeOf::get).filter(java.util.Objects::nonNull).sorted().toList();
        // the float model's outputs of every consumer, in one pass (they do not change as the pruned model is refitted)
        Set<String> outputs = new LinkedHashSet<>();
        order.forEach(i -> outputs.add(floatModel.getGraph().getNode(i).getOutput(0)));
        Map<String, Captures.Capture> targets = outputs.isEmpty() ? Map.of() : Captures.of(floatModel, outputs, source, samples, threads);
        ModelProto current = pruned;
        Map<String, double[]> errors = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        for (int index : order) {
            NodeProto node = current.getGraph().getNode(index);
            String name = nodeOf.entrySet().stream().filter(e -> e.getValue() == index).findFirst().orElseThrow().getKey();
            Map<String, TensorProto> constants = OnnxEdits.constants(current.getGraph());
            java.util.Optional<String> why = LayerRows.unsupported(node, constants);
            if (why.isPresent()) {
                skipped.add(name + ": " + why.get());
                continue;
            }
            TensorProto w = constants.get(node.getInput(1));
            Captures.Capture xs = Captures.of(current, Set.of(node.getInput(0)), source, samples, threads).get(node.getInput(0));
            Captures.Capture ys = targets.get(floatModel.getGraph().getNode(index).getOutput(0));
            LayerRows geo = LayerRows.of(node, w, xs.shape());
            // a consumer can also be a pruned producer: its float targets keep only the output channels it keeps
            Set<Integer> gone = new HashSet<>();
            for (int c : pruning.prunedOutputs(name)) {
                gone.add(c);
            }
            int full = geo.out() + gone.size();
            float[] x = geo.inputRows(xs.values());
            float[] y = kept(geo.outputRows(ys.values(), full), full, gone);
            int n = y.length / geo.out();
            boolean bias = node.getInputCount() > 2 && !node.getInput(2).isEmpty() && constants.containsKey(node.getInput(2));
            float[] b0 = bias ? OnnxEdits.floatValues(constants.get(node.getInput(2))) : null;
            double[] err = new double[2];
            err[0] = RidgeFit.error(x, y, n, geo.k(), geo.out(), geo.weightRows(OnnxEdits.floatValues(w)), b0);
            RidgeFit.Fit fit = RidgeFit.solve(x, y, n, geo.k(), geo.out(), bias, ridge);
            err[1] = RidgeFit.error(x, y, n, geo.k(), geo.out(), fit.weight(), bias ? fit.bias() : null);
            errors.put(name, err);
            if (err[1] >= err[0]) {
                skipped.add(name + ": the refit would not lower its error");
                continue;
            }
            // keyed by the tensor the node reads: OnnxEdits.rebuild replaces initializers and Constant nodes alike
            Map<String, TensorProto> replaced = new LinkedHashMap<>();
            replaced.put(node.getInput(1), OnnxEdits.floats(node.getInput(1), geo.stored(fit.weight()), dims(w)));
            if (bias) {
                replaced.put(node.getInput(2), OnnxEdits.floats(node.getInput(2), fit.bias(), dims(constants.get(node.getInput(2)))));
            }
            GraphProto g = current.getGraph();
            current = current.toBuilder().setGraph(OnnxEdits.rebuild(g, g.getNodeList(), replaced, List.of())).build();
        }
        return new Result(current, errors, skipped);
    }

    /** Rows of {@code width} values without the columns in {@code gone}. */
    private static float[] kept(float[] rows, int width, Set<Integer> gone) {
        if (gone.isEmpty()) {
            return rows;
        }
        int n = rows.length / width;
        float[] out = new float[n * (width - gone.size())];
        int at = 0;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < width; c++) {
                if (!gone.contains(c)) {
                    out[at++] = rows[i * width + c];
                }
            }
        }
        return out;
    }

    private static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }
}
