package io.amctkit.dsl;

import io.amctkit.dsl.internal.DidYouMean;
import io.amctkit.dsl.proto.AMCTRetrainConfig;
import io.amctkit.dsl.proto.ActULQquantize;
import io.amctkit.dsl.proto.BalancedL2NormFilterPruner;
import io.amctkit.dsl.proto.DataType;
import io.amctkit.dsl.proto.PruneConfig;
import io.amctkit.dsl.proto.RetrainDataQuantConfig;
import io.amctkit.dsl.proto.RetrainOverrideLayer;
import io.amctkit.dsl.proto.RetrainOverrideLayerType;
import io.amctkit.dsl.proto.RetrainWeightQuantConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * AMCT's model-independent checks of a config for one {@link Mode}, as diagnostics (the checks that need the
 * model's layers come with resolution). Codes are stable; docs/diagnostics.md lists them.
 */
final class ConfigValidator {

    private final AMCTRetrainConfig config;
    private final RetrainConfig value;
    private final Mode mode;
    private final List<Diagnostic> out = new ArrayList<>();

    private ConfigValidator(AMCTRetrainConfig config, Mode mode) {
        this.config = config;
        this.value = RetrainConfig.of(config);
        this.mode = mode;
    }

    static Diagnostics validate(AMCTRetrainConfig config, Mode mode, SourceMap sources) {
        ConfigValidator v = new ConfigValidator(config, mode);
        v.run();
        return new Diagnostics(sources.source(), v.out.stream().map(sources::place).toList());
    }

    private void run() {
        if (config.hasBatchNum() && config.getBatchNum() == 0) {
            error("BATCH-NUM", "batch_num", "batch_num must be > 0 (the number of batches IFMR calibrates on); got 0");
        }
        if (config.hasRetrainDataQuantConfig() || config.hasRetrainWeightQuantConfig()) {
            checkQuant("", config.hasRetrainDataQuantConfig() ? config.getRetrainDataQuantConfig() : null,
                    config.hasRetrainWeightQuantConfig() ? config.getRetrainWeightQuantConfig() : null);
        }
        if (config.hasPruneConfig()) {
            checkPrune("prune_config", config.getPruneConfig(), true);
        }
        checkOverrides();
        checkSkipLists();
        checkTypeNames();
        checkMode();
    }

    // ---- quantization -------------------------------------------------------------------------------------

    private void checkQuant(String prefix, RetrainDataQuantConfig data, RetrainWeightQuantConfig weights) {
        DataType act = DataType.INT8;
        if (data != null) {
            String path = prefix + "retrain_data_quant_config";
            if (!data.hasUlqQuantize()) {
                warning("QUANT-NO-ALGO", path, "names no algorithm; AMCT uses ulq_quantize with its defaults"
                        + " (write 'ulq_quantize {}' to say so)");
            }
            ActULQquantize ulq = data.getUlqQuantize();
            act = ulq.getDstType();
            if (ulq.hasClipMaxMin()) {
                String clip = path + ".ulq_quantize.clip_max_min";
                boolean hasMax = ulq.getClipMaxMin().hasClipMax();
                boolean hasMin = ulq.getClipMaxMin().hasClipMin();
                if (!hasMax || !hasMin) {
                    error("CLIP-INCOMPLETE", clip + (hasMax ? ".clip_min" : ".clip_max"),
                            "clip_max and clip_min are both required in clip_max_min (AMCT rule); add "
                                    + (hasMax ? "clip_min (< 0)" : "clip_max (> 0)")
                                    + " or remove clip_max_min to let IFMR initialise the range");
                } else {
                    float max = ulq.getClipMaxMin().getClipMax();
                    float min = ulq.getClipMaxMin().getClipMin();
                    String field = !(max > 0) ? clip + ".clip_max" : clip + ".clip_min";
                    AmctRules.clipRange(min, max).ifPresent(p -> error("CLIP-SIGN", field, p));
                }
            }
        }
        DataType wts = DataType.INT8;
        if (weights != null) {
            if (weights.hasArqRetrain()) {
                wts = weights.getArqRetrain().getDstType();
            } else if (weights.hasUlqRetrain()) {
                wts = weights.getUlqRetrain().getDstType();
            } else {
                warning("QUANT-NO-ALGO", prefix + "retrain_weight_quant_config",
                        "names no algorithm; AMCT uses arq_retrain with its defaults (write 'arq_retrain {}' to say so)");
            }
        }
        String pairPath = prefix + (data != null && act != DataType.INT8 ? "retrain_data_quant_config.ulq_quantize.dst_type"
                : "retrain_weight_quant_config");
        String code = act == DataType.INT4 ? "DTYPE-ACT-INT4" : "DTYPE-PAIR";
        AmctRules.typePair(act, wts).ifPresent(p -> error(code, pairPath, p));
    }

    // ---- pruning ------------------------------------------------------------------------------------------

    private void checkPrune(String path, PruneConfig prune, boolean global) {
        if (prune.hasFilterPruner()) {
            if (!prune.getFilterPruner().hasBalancedL2NormFilterPrune()) {
                error("PRUNE-EMPTY", path + ".filter_pruner", "filter_pruner names no algorithm; add"
                        + " balanced_l2_norm_filter_prune { prune_ratio: 0.3 }");
                return;
            }
            BalancedL2NormFilterPruner bcp = prune.getFilterPruner().getBalancedL2NormFilterPrune();
            String ratio = path + ".filter_pruner.balanced_l2_norm_filter_prune.prune_ratio";
            if (!bcp.hasPruneRatio()) {
                error("PRUNE-RATIO-MISSING", ratio, "prune_ratio is required (the share of filters removed,"
                        + " 0 < r < 1; 0.2 is AMCT's recommendation)");
            } else {
                AmctRules.pruneRatio(bcp.getPruneRatio()).ifPresent(p -> error("PRUNE-RATIO-RANGE", ratio, p));
            }
        } else if (prune.hasNOutOfMPruner()) {
            if (!prune.getNOutOfMPruner().hasL1SelectivePrune()) {
                error("PRUNE-EMPTY", path + ".n_out_of_m_pruner", "n_out_of_m_pruner names no algorithm; add"
                        + " l1_selective_prune { n_out_of_m_type: M4N2 }");
            }
        } else if (global) {
            if (mode != Mode.QUANT) {
                error("PRUNE-EMPTY", path, "prune_config names no pruner; AMCT fails on it (UnboundLocalError: the"
                        + " prune type is never set); add filter_pruner { ... } or n_out_of_m_pruner { ... }, or remove it");
            }
        } else if (mode != Mode.QUANT) {
            warning("PRUNE-EMPTY", path, "prune_config names no pruner: AMCT applies the global prune_config to"
                    + " these layers instead; remove the empty block or name a pruner");
        }
    }

    // ---- overrides ----------------------------------------------------------------------------------------

    private void checkOverrides() {
        Map<String, Integer> names = new LinkedHashMap<>();
        for (int i = 0; i < config.getOverrideLayerConfigsCount(); i++) {
            RetrainOverrideLayer o = config.getOverrideLayerConfigs(i);
            String prefix = "override_layer_configs[" + i + "].";
            if (!o.hasLayerName()) {
                error("OVERRIDE-KEY-MISSING", prefix + "layer_name", "layer_name is required: name the layer"
                        + " (module path such as layer1.0.conv1) this override applies to");
            } else if (names.putIfAbsent(o.getLayerName(), i) != null) {
                error("OVERRIDE-REPEATED", prefix + "layer_name", "layer '" + o.getLayerName() + "' is overridden"
                        + " twice (also in override_layer_configs[" + names.get(o.getLayerName()) + "]); AMCT rejects"
                        + " repeated items: merge them into one block");
            }
            checkOverrideParts(prefix, o.hasRetrainDataQuantConfig() ? o.getRetrainDataQuantConfig() : null,
                    o.hasRetrainWeightQuantConfig() ? o.getRetrainWeightQuantConfig() : null,
                    o.hasPruneConfig() ? o.getPruneConfig() : null);
        }
        Map<String, Integer> types = new LinkedHashMap<>();
        for (int i = 0; i < config.getOverrideLayerTypesCount(); i++) {
            RetrainOverrideLayerType o = config.getOverrideLayerTypes(i);
            String prefix = "override_layer_types[" + i + "].";
            if (!o.hasLayerType()) {
                error("OVERRIDE-KEY-MISSING", prefix + "layer_type", "layer_type is required: name the module"
                        + " type (such as Conv2d or Linear) this override applies to");
            } else if (types.putIfAbsent(o.getLayerType(), i) != null) {
                error("OVERRIDE-REPEATED", prefix + "layer_type", "type '" + o.getLayerType() + "' is overridden"
                        + " twice (also in override_layer_types[" + types.get(o.getLayerType()) + "]); AMCT rejects"
                        + " repeated items: merge them into one block");
            }
            if (o.hasRetrainWeightQuantConfig()) {
                WeightQuant w = new WeightQuant(o.getRetrainWeightQuantConfig());
                AmctRules.channelWise(o.getLayerType(), w.channelWiseSetTrue()).ifPresent(p -> error(
                        "CHANNEL-WISE-LINEAR", prefix + "retrain_weight_quant_config."
                                + (w.isArq() ? "arq_retrain" : "ulq_retrain") + ".channel_wise", p));
            }
            checkOverrideParts(prefix, o.hasRetrainDataQuantConfig() ? o.getRetrainDataQuantConfig() : null,
                    o.hasRetrainWeightQuantConfig() ? o.getRetrainWeightQuantConfig() : null,
                    o.hasPruneConfig() ? o.getPruneConfig() : null);
        }
    }

    private void checkOverrideParts(String prefix, RetrainDataQuantConfig data, RetrainWeightQuantConfig weights,
                                    PruneConfig prune) {
        // an override replaces the global quantizers as a whole: its missing half is AMCT's default, so the pair
        // is checked with INT8 for that half
        checkQuant(prefix, data, weights);
        if (prune != null) {
            checkPrune(prefix + "prune_config", prune, false);
        }
        if (data == null && weights == null && prune == null) {
            warning("OVERRIDE-EMPTY", prefix.substring(0, prefix.length() - 1), "this override carries no"
                    + " retrain_data_quant_config, retrain_weight_quant_config or prune_config; for quantization it"
                    + " still replaces the global quantizers of its layers with AMCT's defaults");
        }
    }

    // ---- skip lists and type names ------------------------------------------------------------------------

    private void checkSkipLists() {
        checkRepeats("skip_layers", config.getSkipLayersList());
        checkRepeats("skip_layer_types", config.getSkipLayerTypesList());
        checkRepeats("quant_skip_layers", config.getQuantSkipLayersList());
        checkRepeats("quant_skip_types", config.getQuantSkipTypesList());
        checkRepeats("regular_prune_skip_layers", config.getRegularPruneSkipLayersList());
        checkRepeats("regular_prune_skip_types", config.getRegularPruneSkipTypesList());
    }

    private void checkRepeats(String field, List<String> entries) {
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            if (!seen.add(entries.get(i))) {
                warning("SKIP-REPEATED", field + "[" + i + "]", "'" + entries.get(i) + "' is listed twice; AMCT"
                        + " warns and uses the list as a set: delete the repeat");
            }
        }
    }

    /** Type names are checked against AMCT's capacity lists; without the model this is a warning. */
    private void checkTypeNames() {
        Set<String> quantOrPrune = new LinkedHashSet<>(LayerTypes.RETRAIN_TYPES);
        quantOrPrune.addAll(LayerTypes.SELECTIVE_PRUNABLE_TYPES);
        for (int i = 0; i < config.getSkipLayerTypesCount(); i++) {
            typeName("skip_layer_types[" + i + "]", config.getSkipLayerTypes(i), quantOrPrune, "skip_layer_types");
        }
        for (int i = 0; i < config.getQuantSkipTypesCount(); i++) {
            typeName("quant_skip_types[" + i + "]", config.getQuantSkipTypes(i), LayerTypes.RETRAIN_TYPES,
                    "quant_skip_types");
        }
        for (int i = 0; i < config.getRegularPruneSkipTypesCount(); i++) {
            typeName("regular_prune_skip_types[" + i + "]", config.getRegularPruneSkipTypes(i),
                    LayerTypes.SELECTIVE_PRUNABLE_TYPES, "regular_prune_skip_types");
        }
        for (int i = 0; i < config.getOverrideLayerTypesCount(); i++) {
            RetrainOverrideLayerType o = config.getOverrideLayerTypes(i);
            if (o.hasLayerType()) {
                typeName("override_layer_types[" + i + "].layer_type", o.getLayerType(), quantOrPrune,
                        "override_layer_types");
            }
        }
    }

    private void typeName(String path, String type, java.util.Collection<String> supported, String list) {
        if (supported.contains(type)) {
            return;
        }
        String hint = DidYouMean.suggest(type, supported).map(s -> "did you mean '" + s + "'? ").orElse("");
        warning("TYPE-UNSUPPORTED", path, "'" + type + "' is not a layer type AMCT supports here (" + String.join(", ",
                supported) + "); AMCT rejects it when it applies the config to a model (\"some " + list
                + " not supported\"): " + hint + "use a PyTorch module class name");
    }

    // ---- which features the mode allows -------------------------------------------------------------------

    private void checkMode() {
        switch (mode) {
            case QUANT -> checkQuantMode();
            case PRUNE -> checkPruneMode();
            case COMPRESSED -> checkCompressedMode();
        }
        if (mode != Mode.QUANT) {
            checkPruneOnlyThroughOverrides();
            checkMixedPruners();
        }
    }

    private void checkQuantMode() {
        if (config.equals(AMCTRetrainConfig.getDefaultInstance())) {
            warning("EMPTY-CONFIG", "", "the config is empty: AMCT accepts it in quant mode and quantizes every"
                    + " capable layer with its defaults (ULQ INT8 activations initialised by IFMR, ARQ INT8 weights)");
        }
        if (config.hasPruneConfig()) {
            if (config.getPruneConfig().equals(PruneConfig.getDefaultInstance())) {
                warning("QUIRK-EMPTY-PRUNE", "prune_config", "an empty prune_config {} counts as absent in quant mode;"
                        + " delete it (in prune and compressed modes AMCT fails on it)");
            } else {
                disabled("prune_config", "prune_config");
            }
        }
        forEach(config.getRegularPruneSkipLayersCount(), i -> disabled("regular_prune_skip_layers[" + i + "]", "regular_prune_skip_layers"));
        forEach(config.getRegularPruneSkipTypesCount(), i -> disabled("regular_prune_skip_types[" + i + "]", "regular_prune_skip_types"));
        for (int i = 0; i < config.getOverrideLayerConfigsCount(); i++) {
            if (config.getOverrideLayerConfigs(i).hasPruneConfig()) {
                error("FEATURE-DISABLED", "override_layer_configs[" + i + "].prune_config", "unexpected prune_config"
                        + " for override_layer_configs in quant mode (AMCT: \"... if prune is disable\"); remove it, or"
                        + " validate with --mode compressed");
            }
        }
        for (int i = 0; i < config.getOverrideLayerTypesCount(); i++) {
            if (config.getOverrideLayerTypes(i).hasPruneConfig()) {
                warning("QUIRK-TYPE-OVERRIDE-PRUNE", "override_layer_types[" + i + "].prune_config", "AMCT's quant mode"
                        + " does not check prune_config inside override_layer_types: it accepts and ignores it, but the"
                        + " type still counts as a quant override (its layers get quantized); remove it");
            }
        }
    }

    private void checkPruneMode() {
        if (!value.configuresPruning()) {
            error("PRUNE-NOT-CONFIGURED", "", "prune mode but nothing is pruned: add a prune_config (globally or in"
                    + " an override), or validate with --mode quant");
        }
        String ignored = " is ignored by create_prune_retrain_model (it parses quantization fields but only prunes);"
                + " use --mode compressed to quantize too";
        if (config.hasRetrainDataQuantConfig()) {
            warning("FEATURE-IGNORED", "retrain_data_quant_config", "retrain_data_quant_config" + ignored);
        }
        if (config.hasRetrainWeightQuantConfig()) {
            warning("FEATURE-IGNORED", "retrain_weight_quant_config", "retrain_weight_quant_config" + ignored);
        }
        forEach(config.getQuantSkipLayersCount(), i -> warning("FEATURE-IGNORED", "quant_skip_layers[" + i + "]", "quant_skip_layers" + ignored));
        forEach(config.getQuantSkipTypesCount(), i -> warning("FEATURE-IGNORED", "quant_skip_types[" + i + "]", "quant_skip_types" + ignored));
    }

    private void checkCompressedMode() {
        if (!value.configuresQuantization() && !value.configuresPruning()) {
            error("NOTHING-CONFIGURED", "", "neither quantization nor pruning is configured (AMCT: \"proto can not"
                    + " neither retrain nor prune.\"); add retrain_data_quant_config / retrain_weight_quant_config"
                    + " and/or prune_config, globally or in an override");
        }
    }

    /** Pruning enabled only by overrides: AMCT has no global prune type, so every prune-skip entry fails its check. */
    private void checkPruneOnlyThroughOverrides() {
        if (config.hasPruneConfig() || !value.configuresPruning()) {
            return;
        }
        String why = " cannot be used when pruning comes only from overrides: AMCT checks prune skips against the"
                + " global prune type, and there is none (\"some regular_prune_skip_... not supported\"); add a global"
                + " prune_config or remove the entry";
        forEach(config.getSkipLayersCount(), i -> error("PRUNE-SKIP-NO-GLOBAL", "skip_layers[" + i + "]", "skip_layers" + why));
        forEach(config.getSkipLayerTypesCount(), i -> error("PRUNE-SKIP-NO-GLOBAL", "skip_layer_types[" + i + "]", "skip_layer_types" + why));
        forEach(config.getRegularPruneSkipLayersCount(), i -> error("PRUNE-SKIP-NO-GLOBAL", "regular_prune_skip_layers[" + i + "]", "regular_prune_skip_layers" + why));
        forEach(config.getRegularPruneSkipTypesCount(), i -> error("PRUNE-SKIP-NO-GLOBAL", "regular_prune_skip_types[" + i + "]", "regular_prune_skip_types" + why));
    }

    private void checkMixedPruners() {
        if (!config.hasPruneConfig()) {
            return;
        }
        boolean globalFilter = config.getPruneConfig().hasFilterPruner();
        boolean globalSelective = config.getPruneConfig().hasNOutOfMPruner();
        List<PruneConfig> overrides = new ArrayList<>();
        config.getOverrideLayerConfigsList().stream().filter(RetrainOverrideLayer::hasPruneConfig).forEach(o -> overrides.add(o.getPruneConfig()));
        config.getOverrideLayerTypesList().stream().filter(RetrainOverrideLayerType::hasPruneConfig).forEach(o -> overrides.add(o.getPruneConfig()));
        boolean mixed = overrides.stream().anyMatch(p -> (globalFilter && p.hasNOutOfMPruner()) || (globalSelective && p.hasFilterPruner()));
        if (mixed) {
            warning("MIXED-PRUNERS", "prune_config", "filter pruning and 2:4 pruning are mixed: AMCT's documentation"
                    + " allows one kind per call, but its parser resolves each layer by its own override; skip lists are"
                    + " checked against the global kind (" + (globalFilter ? "filter" : "2:4") + ") only");
        }
    }

    private void disabled(String path, String field) {
        error("FEATURE-DISABLED", path, "unexpected " + field + " in quant mode (AMCT: \"unexpected " + field
                + " in config_defination if prune is disable.\"); remove it, or validate with --mode compressed");
    }

    private static void forEach(int n, Consumer<Integer> action) {
        for (int i = 0; i < n; i++) {
            action.accept(i);
        }
    }

    private void error(String code, String path, String message) {
        out.add(Diagnostic.error(code, path, message));
    }

    private void warning(String code, String path, String message) {
        out.add(Diagnostic.warning(code, path, message));
    }
}
