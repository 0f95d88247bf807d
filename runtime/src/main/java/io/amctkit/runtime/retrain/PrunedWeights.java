package io.amctkit.runtime.retrain;

import io.amctkit.runtime.export.OnnxEdits;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.prune.FilterPruning;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Weights refitted in the pruned model, put back into the model's own shape: the kept filters and input channels take
 * the refitted values, the removed ones hold 0 (so AMCT's filter selection picks the same filters again, and the input
 * channels cut stay unread), and the rest of the model is as it was.
 */
final class PrunedWeights {

    private PrunedWeights() {
    }

    /**
     * @param original the model in its own shape
     * @param pruned   the pruned model with refitted layers (node order and tensor names as in the original)
     * @param layers   the refitted layers
     */
    static ModelProto scatter(ModelProto original, ModelProto pruned, FilterPruning pruning, List<String> layers) {
        Map<String, TensorProto> c0 = OnnxEdits.constants(original.getGraph());
        Map<String, TensorProto> cp = OnnxEdits.constants(pruned.getGraph());
        Map<String, TensorProto> replaced = new LinkedHashMap<>();
        for (String name : layers) {
            int index = pruning.nodeIndices().get(name);
            NodeProto node = original.getGraph().getNode(index);
            TensorProto w0 = c0.get(node.getInput(1));
            TensorProto wp = cp.get(node.getInput(1));
            LayerRows g0 = LayerRows.ofWeight(node, w0);
            LayerRows gp = LayerRows.ofWeight(pruned.getGraph().getNode(index), wp);
            Set<Integer> gone = set(pruning.prunedOutputs(name));
            Set<Integer> cut = set(pruning.prunedInputs(name));
            int channels = node.getOpType().equals("Conv") ? (int) w0.getDims(1) : g0.k();
            int per = g0.columnsPerChannel(channels);
            int[] rows = java.util.stream.IntStream.range(0, g0.out()).filter(o -> !gone.contains(o)).toArray();
            int[] cols = java.util.stream.IntStream.range(0, g0.k()).filter(j -> !cut.contains(j / per)).toArray();
            if (rows.length != gp.out() || cols.length != gp.k()) {
                throw new IllegalStateException(name + ": the pruned weight is " + gp.out() + "x" + gp.k() + ", the kept part of the"
                        + " original " + rows.length + "x" + cols.length);
            }
            float[] r0 = g0.weightRows(OnnxEdits.floatValues(w0));
            float[] rp = gp.weightRows(OnnxEdits.floatValues(wp));
            float[] r = new float[r0.length];
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < cols.length; j++) {
                    r[rows[i] * g0.k() + cols[j]] = rp[i * gp.k() + j];
                }
            }
            replaced.put(node.getInput(1), OnnxEdits.floats(node.getInput(1), g0.stored(r), dims(w0)));
            if (node.getInputCount() > 2 && c0.containsKey(node.getInput(2)) && cp.containsKey(node.getInput(2))) {
                float[] b = OnnxEdits.floatValues(c0.get(node.getInput(2)));
                float[] bp = OnnxEdits.floatValues(cp.get(node.getInput(2)));
                for (int i = 0; i < rows.length; i++) {
                    b[rows[i]] = bp[i];
                }
                replaced.put(node.getInput(2), OnnxEdits.floats(node.getInput(2), b, dims(c0.get(node.getInput(2)))));
            }
        }
        GraphProto g = original.getGraph();
        return original.toBuilder().setGraph(OnnxEdits.rebuild(g, g.getNodeList(), replaced, List.of())).build();
    }

    private static Set<Integer> set(int[] v) {
        Set<Integer> s = new HashSet<>();
        for (int i : v) {
            s.add(i);
        }
        return s;
    }

    private static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }
}
