package io.amctkit.runtime.export;

import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SelectiveMaskPacking;
import io.amctkit.runtime.session.SessionResult;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the quantized-model exports rewrite: each top-level node of a quantized layer with its activation factors
 * (calibrated, or from the configured clip range) and weight scales, and why the others stay float.
 */
final class ExportPlan {

    /** A quantized layer to rewrite: its node, layer, session report and activation factors. */
    record Target(NodeProto node, ModelLayer layer, LayerReport report, float scaleD, int offsetD, int bits, int[] cutInputs) {

        float[] scaleW() {
            return report.artifacts().weightScales();
        }

        /** deq_scale = float32(scale_w · scale_d), per weight scale. */
        float[] deqScales() {
            float[] w = scaleW();
            float[] deq = new float[w.length];
            for (int c = 0; c < deq.length; c++) {
                deq[c] = w[c] * scaleD;
            }
            return deq;
        }

        /** The stored weight's integer levels clamp(round(w/scale_w)), with the layer's own pruning applied. */
        float[] weightLevels(OnnxModel model, int weightBits) {
            INDArray w = sparsified(model, layer, report);
            float[] levels = levelValues(w, scaleW(), outputAxis(node), weightBits);
            w.close();
            return levels;
        }

        /**
         * The levels of the model AMCT trains: the layer's own pruning, and the input channels that AMCT's filter-prune
         * records cut from it zeroed (AMCT removes them before QAT; zero inputs compute the same).
         */
        float[] prunedWeightLevels(OnnxModel model, int weightBits, TensorProto stored) {
            float[] levels = weightLevels(model, weightBits);
            float[] mask = cutInputs.length == 0 ? null : InputChannels.mask(node, stored, cutInputs);
            if (mask != null) {
                for (int i = 0; i < levels.length; i++) {
                    levels[i] = mask[i] != 0 ? 0f : levels[i];
                }
            }
            return levels;
        }

        /** The stored weight's shape. */
        long[] weightShape() {
            return layer.weight().shape();
        }
    }

    final Map<String, TensorProto> constants;
    final List<String> leftFloat = new ArrayList<>();
    private final Map<String, Target> targets = new HashMap<>();

    private ExportPlan(Map<String, TensorProto> constants) {
        this.constants = constants;
    }

    static ExportPlan of(OnnxModel model, SessionResult session) {
        ExportPlan plan = new ExportPlan(OnnxEdits.constants(model.proto().getGraph()));
        Map<String, LayerReport> reports = new HashMap<>();
        session.layers().forEach(r -> reports.put(r.name(), r));
        for (NodeProto node : model.proto().getGraph().getNodeList()) {
            Optional<ModelLayer> layer = node.getOutputCount() == 0 ? Optional.empty() : model.layerProducing(node.getOutput(0));
            LayerReport report = layer.map(l -> reports.get(l.name())).orElse(null);
            if (report == null || !report.quantized()) {
                continue;
            }
            Optional<float[]> act = activation(session, report);
            Optional<String> why = plan.unsupported(node, layer.get(), act);
            if (why.isPresent()) {
                plan.leftFloat.add(layer.get().name() + ": " + why.get());
            } else {
                int[] cut = session.filterPruning().consumerEntries(layer.get().name()).stream()
                        .filter(e -> e.type().equals("Conv") || e.type().equals("Gemm") || e.type().equals("MatMul"))
                        .flatMapToInt(e -> java.util.Arrays.stream(e.pruneIndex())).distinct().sorted().toArray();
                plan.targets.put(node.getOutput(0), new Target(node, layer.get(), report, act.get()[0], (int) act.get()[1],
                        (int) act.get()[2], cut));
            }
        }
        return plan;
    }

    /** The target for this node, if it is one. */
    Optional<Target> target(NodeProto node) {
        return node.getOutputCount() == 0 ? Optional.empty() : Optional.ofNullable(targets.get(node.getOutput(0)));
    }

    /** Drops a target the caller cannot export, recording why. */
    void leaveFloat(Target t, String why) {
        targets.remove(t.node().getOutput(0));
        leftFloat.add(t.layer().name() + ": " + why);
    }

    List<Target> targets() {
        return List.copyOf(targets.values());
    }

    private static Optional<float[]> activation(SessionResult session, LayerReport report) {
        var calibrated = session.activation(report.name());
        if (calibrated.isPresent()) {
            return Optional.of(new float[]{calibrated.get().scale(), calibrated.get().offset(), calibrated.get().bits()});
        }
        return report.artifacts().activation().map(a -> new float[]{a.scale(), a.offset(), a.bits()});
    }

    private Optional<String> unsupported(NodeProto node, ModelLayer layer, Optional<float[]> act) {
        if (act.isEmpty()) {
            return Optional.of("no activation factors (IFMR layer without calibration)");
        }
        if (!List.of("Conv", "ConvTranspose", "Gemm", "MatMul").contains(node.getOpType())) {
            return Optional.of(node.getOpType() + " is exported in float");
        }
        if (node.getInputCount() < 2 || !constants.containsKey(node.getInput(1))) {
            return Optional.of("its weight is not a constant of the top-level graph");
        }
        if (node.getOpType().equals("ConvTranspose") && layer.groups().orElse(1) != 1) {
            return Optional.of("grouped ConvTranspose is exported in float");
        }
        if (node.getOpType().equals("Gemm") && node.getAttributeList().stream().anyMatch(a -> a.getName().equals("transA") && a.getI() != 0)) {
            return Optional.of("Gemm with transA is exported in float");
        }
        return Optional.empty();
    }

    /** The axis of the stored weight that holds output channels. */
    static int outputAxis(NodeProto node) {
        return switch (node.getOpType()) {
            case "Conv" -> 0;
            case "ConvTranspose" -> 1;
            case "Gemm" -> node.getAttributeList().stream().anyMatch(a -> a.getName().equals("transB") && a.getI() == 1) ? 0 : 1;
            default -> 1;   // MatMul: [in, out]
        };
    }

    /** The integer weight levels clamp(round(w / scale_c)) of a stored weight, channel axis {@code axis}. */
    static float[] levelValues(INDArray stored, float[] scales, int axis, int bits) {
        long[] shape = stored.shape();
        float[] w = stored.dup('c').data().asFloat();
        long inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        long channels = shape[axis];
        float lo = -(1 << (bits - 1));
        float hi = (1 << (bits - 1)) - 1;
        for (int i = 0; i < w.length; i++) {
            int c = scales.length == 1 ? 0 : (int) ((i / inner) % channels);
            w[i] = Math.min(Math.max((float) Math.rint(w[i] / scales[c]), lo), hi);
        }
        return w;
    }

    /**
     * The stored weight with the layer's pruning applied as AMCT's compressed training leaves it: the 2:4 mask's zeros,
     * or the removed filters zeroed (the channels stay; the pruned-model export removes them).
     */
    static INDArray sparsified(OnnxModel model, ModelLayer layer, LayerReport report) {
        if (report.pruneKind().isEmpty()) {
            return model.read(layer.weight());
        }
        INDArray w = model.weight(layer).dup('c');   // PyTorch layout, the one the masks were computed in
        float[] v = w.data().asFloat();
        if (report.pruneKind().equals("2:4")) {
            float[] mask = SelectiveMaskPacking.unpack(report.artifacts().selectiveMask(), v.length);
            for (int i = 0; i < v.length; i++) {
                v[i] *= mask[i];
            }
        } else {
            long[] shape = w.shape();
            boolean transposedConv = layer.type().startsWith("ConvTranspose");
            long inner = 1;
            for (int d = transposedConv ? 2 : 1; d < shape.length; d++) {
                inner *= shape[d];
            }
            long channels = shape[transposedConv ? 1 : 0];
            Set<Integer> pruned = new HashSet<>();
            for (int c : report.artifacts().prunedFilters()) {
                pruned.add(c);
            }
            for (int i = 0; i < v.length; i++) {
                if (pruned.contains((int) ((i / inner) % channels))) {
                    v[i] = 0f;
                }
            }
        }
        INDArray masked = Nd4j.create(v, w.shape(), 'c');
        w.close();
        return layer.weightTransposed() ? masked.transpose().dup('c') : masked;
    }

    /** The shape that broadcasts per-channel values against the layer's output: [1, C, 1…] for convolutions, [C] else. */
    static long[] channelShape(Target t, int channels) {
        if (channels == 1) {
            return new long[]{};
        }
        if (!t.node().getOpType().startsWith("Conv")) {
            return new long[]{channels};
        }
        long[] shape = new long[2 + t.layer().kernel().size()];
        Arrays.fill(shape, 1);
        shape[1] = channels;
        return shape;
    }
}
