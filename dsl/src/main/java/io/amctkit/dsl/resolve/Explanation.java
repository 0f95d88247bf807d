package io.amctkit.dsl.resolve;

import java.util.Optional;

/** The text of {@link Resolution#explain(String)}: one line per decided field, then the quirks that applied. */
final class Explanation {

    private final Resolution resolution;
    private final Layer layer;

    Explanation(Resolution resolution, Layer layer) {
        this.resolution = resolution;
        this.layer = layer;
    }

    String text() {
        StringBuilder out = new StringBuilder();
        out.append(layer.name()).append(" (").append(layer.type()).append(") in ")
                .append(resolution.mode().label()).append(" mode\n");
        if (!resolution.isAccepted()) {
            return out.append("  AMCT rejects the config: ").append(resolution.rejection().get().message()).append('\n').toString();
        }
        Optional<LayerPlan> plan = resolution.plan(layer.name());
        if (plan.isEmpty()) {
            return out.append("  not in AMCT's resolved config: ").append(absenceReason()).append('\n').toString();
        }
        plan.get().quant().ifPresentOrElse(q -> quant(q, out),
                () -> out.append("  quantization: not configured for this layer\n"));
        plan.get().prune().ifPresentOrElse(p -> prune(p, out),
                () -> out.append("  pruning: ").append(layer.isFilterPrunable() || layer.isSelectivePrunable()
                        ? "no prune rule applies to this layer" : "not prunable (" + layer.type()
                        + (layer.isDepthwise() ? ", depthwise" : "") + ")").append('\n'));
        if (!plan.get().quirks().isEmpty()) {
            out.append("  AMCT quirks:\n");
            plan.get().quirks().forEach(q -> out.append("    - ").append(q).append('\n'));
        }
        return out.toString();
    }

    private String absenceReason() {
        if (!layer.isQuantizable() && !layer.isFilterPrunable() && !layer.isSelectivePrunable()) {
            return layer.type() + " is neither quantizable nor prunable by AMCT";
        }
        return "no enabled feature applies to it in this mode";
    }

    private static void quant(QuantPlan q, StringBuilder out) {
        out.append("  quantization: ").append(q.enabled() ? "ON" : "OFF").append("  <- ").append(q.enabledBy().describe()).append('\n');
        out.append("    activations: ULQ ").append(q.activationType())
                .append(q.ifmrInit() ? ", clip range by IFMR at runtime" : ", clip [" + q.clipMin().get() + ", " + q.clipMax().get() + "]")
                .append(", fixed_min ").append(q.fixedMin().map(String::valueOf).orElse("auto (true when the input comes from a ReLU)"))
                .append("  <- ").append(q.activationsFrom().describe()).append('\n');
        out.append("    weights: ").append(q.weightAlgo().equals("arq_retrain") ? "ARQ" : "weight ULQ").append(' ')
                .append(q.weightType()).append(q.int4Downgraded() ? " (downgraded from INT4)" : "")
                .append("  <- ").append(q.weightsFrom().describe()).append('\n');
        out.append("    channel_wise: ").append(q.channelWise()).append("  <- ").append(q.channelWiseFrom().describe()).append('\n');
    }

    private static void prune(PrunePlan p, StringBuilder out) {
        out.append("  pruning: ").append(p.enabled() ? "ON" : "OFF").append("  <- ").append(p.enabledBy().describe()).append('\n');
        out.append("    ").append(p.isFilter()
                ? "filter (balanced L2), prune_ratio " + p.pruneRatio().map(r -> String.valueOf(PrunePlan.pythonFloat(r))).orElse("?")
                + ", ascend_optimized " + p.ascendOptimized()
                : "2:4 (L1 selective, M4N2), update_freq " + p.updateFreq())
                .append("  <- ").append(p.paramsFrom().describe()).append('\n');
    }
}
