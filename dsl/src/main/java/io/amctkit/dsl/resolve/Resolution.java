package io.amctkit.dsl.resolve;

import io.amctkit.dsl.Diagnostic;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The outcome of applying a config to a model's layers in one mode: AMCT's per-layer plan (and its JSON file) when
 * AMCT accepts the config, or AMCT's verdict that it is invalid, with the warnings AMCT would log.
 */
public final class Resolution {

    private final RetrainConfig config;
    private final Mode mode;
    private final List<Layer> layers;
    private final List<LayerPlan> plans;
    private final Map<String, LayerPlan> plansByName = new java.util.HashMap<>();
    private final Optional<Long> batchNum;
    private final boolean forceFp16;
    private final Optional<Diagnostic> rejection;
    private final List<Diagnostic> warnings;

    private Resolution(RetrainConfig config, Mode mode, List<Layer> layers, List<LayerPlan> plans,
                       Optional<Long> batchNum, boolean forceFp16, Optional<Diagnostic> rejection,
                       List<Diagnostic> warnings) {
        this.config = config;
        this.mode = mode;
        this.layers = List.copyOf(layers);
        this.plans = List.copyOf(plans);
        plans.forEach(p -> plansByName.put(p.name(), p));
        this.batchNum = batchNum;
        this.forceFp16 = forceFp16;
        this.rejection = rejection;
        this.warnings = List.copyOf(warnings);
    }

    static Resolution accepted(RetrainConfig config, Mode mode, List<Layer> layers, List<LayerPlan> plans,
                               Optional<Long> batchNum, boolean forceFp16, List<Diagnostic> warnings) {
        return new Resolution(config, mode, layers, plans, batchNum, forceFp16, Optional.empty(), warnings);
    }

    static Resolution rejected(RetrainConfig config, Mode mode, List<Layer> layers, Diagnostic error,
                               List<Diagnostic> warnings) {
        return new Resolution(config, mode, layers, List.of(), Optional.empty(), false, Optional.of(error), warnings);
    }

    /** Whether AMCT accepts the config for this model and mode. */
    public boolean isAccepted() {
        return rejection.isEmpty();
    }

    /** AMCT's error when it rejects the config. */
    public Optional<Diagnostic> rejection() {
        return rejection;
    }

    /** What AMCT would log as warnings (repeated skip entries, INT4 downgrades, quirks). */
    public List<Diagnostic> warnings() {
        return warnings;
    }

    /** The rejection (if any) and the warnings, in that order. */
    public List<Diagnostic> diagnostics() {
        List<Diagnostic> all = new ArrayList<>();
        rejection.ifPresent(all::add);
        all.addAll(warnings);
        return all;
    }

    public Mode mode() {
        return mode;
    }

    public RetrainConfig config() {
        return config;
    }

    /** The model's layers, in model order. */
    public List<Layer> layers() {
        return layers;
    }

    /** The layers AMCT's resolved file lists, in its order (empty when rejected). */
    public List<LayerPlan> plans() {
        return plans;
    }

    public Optional<LayerPlan> plan(String layerName) {
        return Optional.ofNullable(plansByName.get(layerName));
    }

    public Optional<Long> batchNum() {
        return batchNum;
    }

    public boolean forceFp16Quant() {
        return forceFp16;
    }

    /**
     * AMCT's resolved config, as the JSON object AMCT writes ({@code version}, {@code batch_num} when quantizing,
     * {@code fakequant_precision_mode} when FORCE_FP16_QUANT, then one entry per layer).
     *
     * @throws IllegalStateException when AMCT rejects the config
     */
    public Map<String, Object> toAmctJson() {
        if (rejection.isPresent()) {
            throw new IllegalStateException("AMCT rejects this config: " + rejection.get().message());
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", 1);
        batchNum.ifPresent(n -> json.put("batch_num", n));
        if (forceFp16) {
            json.put("fakequant_precision_mode", "FORCE_FP16_QUANT");
        }
        for (LayerPlan plan : plans) {
            json.put(plan.name(), plan.toAmctJson());
        }
        return json;
    }

    /** Every field of one layer with the source that decided it, the rules it shadowed and AMCT's quirks. */
    public String explain(String layerName) {
        Layer layer = layers.stream().filter(l -> l.name().equals(layerName)).findFirst().orElseThrow(() ->
                new NoSuchElementException("no layer '" + layerName + "' in this model"
                        + io.amctkit.dsl.internal.DidYouMean.suggest(layerName, layers.stream().map(Layer::name).toList())
                        .map(s -> "; did you mean '" + s + "'?").orElse("")));
        return new Explanation(this, layer).text();
    }

    @Override
    public String toString() {
        if (rejection.isPresent()) {
            return "rejected by AMCT (" + mode.label() + "): " + rejection.get().message();
        }
        long quantized = plans.stream().filter(LayerPlan::isQuantized).count();
        long pruned = plans.stream().filter(LayerPlan::isPruned).count();
        return "accepted by AMCT (" + mode.label() + "): " + layers.size() + " layers, " + quantized + " quantized, "
                + pruned + " pruned" + (warnings.isEmpty() ? "" : ", " + warnings.size() + " warnings");
    }
}
