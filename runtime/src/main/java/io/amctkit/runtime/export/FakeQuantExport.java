package io.amctkit.runtime.export;

import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.session.SessionResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.amctkit.runtime.export.OnnxEdits.floats;
import static io.amctkit.runtime.export.OnnxEdits.op;
import static io.amctkit.runtime.export.OnnxEdits.scalar;

/**
 * AMCT's fake-quant model (ascend-ops.md §4.3) in standard ONNX ops, runnable in ONNX Runtime: for each quantized layer
 * with known activation factors, its input goes through {@code Mul(1/scale_d) → Round → Add(offset_d) → Clip → Sub(offset_d)}
 * (nodes {@code L.quant.fakequant.*}), its weight becomes the integer levels {@code clamp(round(w/scale_w))}, a Conv or
 * Gemm bias becomes {@code round(b/(scale_w·scale_d))}, and its output is dequantized by {@code Mul(deq_scale)} with
 * {@code deq_scale = scale_w·scale_d} per output channel. Layers inside If/Loop bodies, without activation factors, or
 * of a layout not handled (grouped ConvTranspose per channel) stay float and are listed.
 */
public final class FakeQuantExport {

    /** The exported model and the layers left in float, with why. */
    public record Result(ModelProto model, List<String> quantized, List<String> leftFloat) {
    }

    private FakeQuantExport() {
    }

    public static Result of(OnnxModel model, SessionResult session) {
        ExportPlan plan = ExportPlan.of(model, session);
        List<String> quantized = new ArrayList<>();
        Map<String, TensorProto> replaced = new HashMap<>();
        List<TensorProto> added = new ArrayList<>();
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto node : model.proto().getGraph().getNodeList()) {
            Optional<ExportPlan.Target> target = plan.target(node);
            if (target.isEmpty()) {
                nodes.add(node);
                continue;
            }
            ExportPlan.Target t = target.get();
            String l = t.layer().name();
            String p = l + ".quant.fakequant.";
            added.add(scalar(p + "inv_scale", (float) (1.0 / t.scaleD())));
            added.add(scalar(p + "offset", t.offsetD()));
            added.add(scalar(p + "min", -(1 << (t.bits() - 1))));
            added.add(scalar(p + "max", (1 << (t.bits() - 1)) - 1));
            nodes.add(op("Mul", p + "mul", List.of(node.getInput(0), p + "inv_scale"), p + "mul.out"));
            nodes.add(op("Round", p + "round", List.of(p + "mul.out"), p + "round.out"));
            nodes.add(op("Add", p + "add", List.of(p + "round.out", p + "offset"), p + "add.out"));
            nodes.add(op("Clip", p + "clip", List.of(p + "add.out", p + "min", p + "max"), p + "clip.out"));
            nodes.add(op("Sub", p + "sub", List.of(p + "clip.out", p + "offset"), p + "sub.out"));
            String weight = node.getInput(1);
            replaced.put(weight, floats(plan.constants.get(weight).getName(), t.prunedWeightLevels(model, t.report().weightBits(), plan.constants.get(weight)), t.weightShape()));
            float[] deq = t.deqScales();
            if (node.getInputCount() > 2 && plan.constants.containsKey(node.getInput(2))) {
                replaced.put(node.getInput(2), intBias(plan.constants.get(node.getInput(2)), deq));
            }
            nodes.add(node.toBuilder().setInput(0, p + "sub.out").setOutput(0, node.getOutput(0) + ".int").build());
            String dq = l + ".dequant.";
            added.add(floats(dq + "deq_scale", deq, ExportPlan.channelShape(t, deq.length)));
            nodes.add(op("Mul", dq + "mul", List.of(node.getOutput(0) + ".int", dq + "deq_scale"), node.getOutput(0)));
            quantized.add(l);
        }
        ModelProto out = model.proto().toBuilder().setGraph(OnnxEdits.rebuild(model.proto().getGraph(), nodes, replaced, added)).build();
        return new Result(out, quantized, plan.leftFloat);
    }

    /** A bias as the int32-equivalent levels round(b / deq_c), kept in float32 (ONNX Runtime adds it to the float output). */
    private static TensorProto intBias(TensorProto original, float[] deq) {
        float[] b = OnnxEdits.floatValues(original);
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) Math.rint(b[i] / deq[deq.length == 1 ? 0 : i]);
        }
        return floats(original.getName(), b, new long[]{b.length});
    }
}
