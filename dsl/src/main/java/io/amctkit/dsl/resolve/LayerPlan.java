package io.amctkit.dsl.resolve;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What AMCT will do to one layer: its quantization (absent when the feature is off or the layer is not
 * quantizable) and its sparsity (absent when not pruned by any rule), plus the AMCT quirks that shaped them.
 */
public record LayerPlan(Layer layer, Optional<QuantPlan> quant, Optional<PrunePlan> prune, List<String> quirks) {

    public LayerPlan {
        quirks = List.copyOf(quirks);
    }

    public String name() {
        return layer.name();
    }

    public boolean isQuantized() {
        return quant.map(QuantPlan::enabled).orElse(false);
    }

    public boolean isPruned() {
        return prune.map(PrunePlan::enabled).orElse(false);
    }

    /** This layer's entry in AMCT's resolved JSON. */
    public Map<String, Object> toAmctJson() {
        Map<String, Object> entry = new LinkedHashMap<>();
        quant.ifPresent(q -> q.toAmctJson(entry));
        prune.ifPresent(p -> p.toAmctJson(entry));
        return entry;
    }
}
