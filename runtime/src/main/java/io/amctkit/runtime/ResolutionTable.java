package io.amctkit.runtime;

import io.amctkit.dsl.resolve.Layer;
import io.amctkit.dsl.resolve.LayerPlan;
import io.amctkit.dsl.resolve.PrunePlan;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.dsl.resolve.Source;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.Optional;

/**
 * A resolution as a Tablesaw table, one row per model layer: name, type, whether QAT quantizes it, its activation
 * and weight settings, its pruning, and what decided each (the notebook and CLI view of "what will AMCT do?").
 */
public final class ResolutionTable {

    private ResolutionTable() {
    }

    public static Table of(Resolution resolution) {
        StringColumn name = StringColumn.create("layer");
        StringColumn type = StringColumn.create("type");
        BooleanColumn quantized = BooleanColumn.create("quantized");
        StringColumn actAlgo = StringColumn.create("act_algo");
        StringColumn actBits = StringColumn.create("act_bits");
        StringColumn clip = StringColumn.create("clip");
        StringColumn fixedMin = StringColumn.create("fixed_min");
        StringColumn wtsAlgo = StringColumn.create("wts_algo");
        StringColumn wtsBits = StringColumn.create("wts_bits");
        StringColumn channelWise = StringColumn.create("channel_wise");
        BooleanColumn pruned = BooleanColumn.create("pruned");
        StringColumn pruneKind = StringColumn.create("prune_kind");
        StringColumn pruneRatio = StringColumn.create("prune_ratio");
        StringColumn decidedBy = StringColumn.create("decided_by");
        for (Layer layer : resolution.layers()) {
            Optional<LayerPlan> plan = resolution.plan(layer.name());
            Optional<QuantPlan> q = plan.flatMap(LayerPlan::quant);
            Optional<PrunePlan> p = plan.flatMap(LayerPlan::prune);
            name.append(layer.name());
            type.append(layer.type());
            quantized.append(q.map(QuantPlan::enabled).orElse(false));
            actAlgo.append(q.map(x -> "ulq").orElse(""));
            actBits.append(q.map(x -> bits(x.activationType().name())).orElse(""));
            clip.append(q.map(x -> x.ifmrInit() ? "IFMR" : "[" + x.clipMin().get() + ", " + x.clipMax().get() + "]").orElse(""));
            fixedMin.append(q.map(x -> x.fixedMin().map(String::valueOf).orElse("auto")).orElse(""));
            wtsAlgo.append(q.map(x -> x.weightAlgo().equals("arq_retrain") ? "arq" : "ulq").orElse(""));
            wtsBits.append(q.map(x -> bits(x.weightType().name()) + (x.int4Downgraded() ? " (from 4)" : "")).orElse(""));
            channelWise.append(q.map(x -> String.valueOf(x.channelWise())).orElse(""));
            pruned.append(p.map(PrunePlan::enabled).orElse(false));
            pruneKind.append(p.map(x -> x.isFilter() ? "filter" : "2:4").orElse(""));
            pruneRatio.append(p.map(x -> x.isFilter() ? x.pruneRatio().map(r -> r + (x.ascendOptimized() ? " (ascend)" : "")).orElse("")
                    : "update_freq " + x.updateFreq()).orElse(""));
            decidedBy.append(decidedBy(q, p, plan.isEmpty() ? reason(layer) : ""));
        }
        return Table.create("resolution (" + resolution.mode().label() + ")", name, type, quantized, actAlgo, actBits, clip,
                fixedMin, wtsAlgo, wtsBits, channelWise, pruned, pruneKind, pruneRatio, decidedBy);
    }

    private static String bits(String dataType) {
        return dataType.replace("INT", "");
    }

    private static String reason(Layer layer) {
        return layer.isQuantizable() || layer.isFilterPrunable() || layer.isSelectivePrunable()
                ? "no enabled feature applies" : "not supported by AMCT (" + layer.type() + ")";
    }

    private static String decidedBy(Optional<QuantPlan> q, Optional<PrunePlan> p, String fallback) {
        StringBuilder out = new StringBuilder(fallback);
        q.ifPresent(x -> out.append("quant: ").append(shortSource(x.enabledBy()))
                .append(x.activationsFrom().kind() == x.enabledBy().kind() ? "" : "; act: " + shortSource(x.activationsFrom())));
        p.ifPresent(x -> out.append(out.length() > 0 ? "; " : "").append("prune: ").append(shortSource(x.enabledBy())));
        return out.toString();
    }

    private static String shortSource(Source s) {
        return s.kind() == Source.Kind.AMCT_DEFAULT ? "default" : s.fieldPath() + s.position().map(pos -> "@" + pos.line()).orElse("");
    }
}
