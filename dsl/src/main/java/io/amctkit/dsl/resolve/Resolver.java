package io.amctkit.dsl.resolve;

import io.amctkit.dsl.Diagnostic;
import io.amctkit.dsl.LayerTypes;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.SourcePosition;
import io.amctkit.dsl.proto.AMCTRetrainConfig;
import io.amctkit.dsl.proto.DataType;
import io.amctkit.dsl.proto.RetrainOverrideLayer;
import io.amctkit.dsl.proto.RetrainOverrideLayerType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves a config against a model's layers exactly as AMCT does ({@code RetrainConfigBase.create_config_from_proto}
 * at hicann/amct 2be20da): {@link Mode#QUANT} is {@code create_quant_retrain_config}; {@link Mode#PRUNE} and
 * {@link Mode#COMPRESSED} are {@code create_prune_retrain_model} / {@code create_compressed_retrain_model}, one path
 * in AMCT ("no default": only what the config names is enabled). Checks run in AMCT's order and the first failure
 * is AMCT's verdict; every value remembers the rule that decided it.
 */
public final class Resolver {

    private static final String NO_PRUNE = "no_prune_enable";

    private final RetrainConfig config;
    private final AMCTRetrainConfig proto;
    private final Mode mode;
    private final Map<String, Layer> layers;
    private final List<Diagnostic> warnings = new ArrayList<>();

    private boolean enableRetrain = true;
    private boolean enablePrune;
    private final boolean noDefault;
    private String pruneType = NO_PRUNE;

    private final Map<String, Layer> qat = new LinkedHashMap<>();
    private final Map<String, Layer> filterPrunable = new LinkedHashMap<>();
    private final Map<String, Layer> selectivePrunable = new LinkedHashMap<>();
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, Integer> layerOverrideIndex = new HashMap<>();
    private final Map<String, Integer> typeOverrideIndex = new HashMap<>();

    /** A layer's raw entry while resolving, as AMCT's intermediate dict. */
    private static final class Entry {
        final Layer layer;
        Boolean retrainEnable;
        Source retrainEnabledBy;
        ProtoParams.Data data;
        Source dataFrom;
        ProtoParams.Weights weights;
        Source weightsFrom;
        Boolean pruneEnable;
        Source pruneEnabledBy;
        Optional<ProtoParams.Prune> prune = Optional.empty();
        Source pruneFrom;
        final List<String> quirks = new ArrayList<>();

        Entry(Layer layer) {
            this.layer = layer;
        }
    }

    private Resolver(RetrainConfig config, List<Layer> layers, Mode mode) {
        this.config = config;
        this.proto = config.toProto();
        this.mode = mode;
        this.noDefault = mode != Mode.QUANT;
        this.enablePrune = mode != Mode.QUANT;
        this.layers = new LinkedHashMap<>();
        for (Layer layer : layers) {
            if (this.layers.putIfAbsent(layer.name(), layer) != null) {
                throw new IllegalArgumentException("layer '" + layer.name() + "' appears twice in the layer list;"
                        + " layer names are module paths and must be unique");
            }
        }
    }

    /** AMCT's resolution of {@code config} for {@code layers} (in model order) in {@code mode}. */
    public static Resolution resolve(RetrainConfig config, List<Layer> layers, Mode mode) {
        Resolver r = new Resolver(config, layers, mode);
        try {
            return r.run();
        } catch (AmctRejection rejection) {
            Diagnostic error = Diagnostic.error("AMCT-REJECTS", rejection.fieldPath, "AMCT rejects this config for"
                    + " this model in " + mode.label() + " mode: " + rejection.amctType + ": " + rejection.getMessage());
            error = r.config.positionOf(rejection.fieldPath).map(error::at).orElse(error);
            return Resolution.rejected(config, mode, List.copyOf(r.layers.values()), error, r.warnings);
        }
    }

    private Resolution run() {
        if (noDefault) {
            parseProtoEnable();
        }
        for (Layer layer : layers.values()) {
            if (enableRetrain && layer.isQuantizable()) {
                qat.put(layer.name(), layer);
            }
            if (enablePrune && layer.isFilterPrunable()) {
                filterPrunable.put(layer.name(), layer);
            }
            if (enablePrune && layer.isSelectivePrunable()) {
                selectivePrunable.put(layer.name(), layer);
            }
        }
        if (enablePrune && filterPrunable.isEmpty() && selectivePrunable.isEmpty()) {
            throw AmctRejection.value("Prune supported layer cannot be empty.");
        }
        if (enableRetrain && qat.isEmpty()) {
            throw AmctRejection.value("Quant supported layer cannot be empty.");
        }
        if (enablePrune) {
            pruneType = parsePruneType();
        }
        checkFields();
        checkGlobal();
        if (enableRetrain) {
            checkRetrain();
        }
        if (enablePrune) {
            checkPrune();
        }
        if (enableRetrain) {
            generateRetrain();
        }
        if (enablePrune) {
            generatePrune();
        }
        return build();
    }

    // ---- abilities ----------------------------------------------------------------------------------------

    private void parseProtoEnable() {
        boolean quant = config.configuresQuantization();
        boolean prune = config.configuresPruning();
        if (!quant && !prune) {
            throw AmctRejection.value("proto can not neither retrain nor prune.");
        }
        enableRetrain = quant;
        enablePrune = prune;
    }

    private String parsePruneType() {
        if (!proto.hasPruneConfig()) {
            return NO_PRUNE;
        }
        if (proto.getPruneConfig().hasFilterPruner()) {
            return PrunePlan.FILTER;
        }
        if (proto.getPruneConfig().hasNOutOfMPruner()) {
            return PrunePlan.SELECTIVE;
        }
        throw new AmctRejection("UnboundLocalError", "local variable 'prune_type' referenced before assignment"
                + " (AMCT crashes on a prune_config that names no pruner: add filter_pruner or n_out_of_m_pruner)",
                "prune_config");
    }

    // ---- checks (RetrainProtoConfig.check_field, RetrainConfigBase._check_proto_*) -------------------------

    private void checkFields() {
        if (!enableRetrain) {
            String why = " in config_defination if retrain is disable.";
            if (proto.hasRetrainDataQuantConfig() && !proto.getRetrainDataQuantConfig().getAllFields().isEmpty()) {
                throw AmctRejection.value("unexpected retrain_data_quant_config" + why, "retrain_data_quant_config");
            }
            if (proto.hasRetrainWeightQuantConfig() && !proto.getRetrainWeightQuantConfig().getAllFields().isEmpty()) {
                throw AmctRejection.value("unexpected retrain_weight_quant_config" + why, "retrain_weight_quant_config");
            }
            if (proto.getQuantSkipLayersCount() > 0) {
                throw AmctRejection.value("unexpected quant_skip_layers" + why, "quant_skip_layers[0]");
            }
            if (proto.getQuantSkipTypesCount() > 0) {
                throw AmctRejection.value("unexpected quant_skip_types" + why, "quant_skip_types[0]");
            }
        }
        if (!enablePrune) {
            String why = " in config_defination if prune is disable.";
            if (proto.hasPruneConfig() && !proto.getPruneConfig().getAllFields().isEmpty()) {
                throw AmctRejection.value("unexpected prune_config" + why, "prune_config");
            }
            if (proto.getRegularPruneSkipLayersCount() > 0) {
                throw AmctRejection.value("unexpected regular_prune_skip_layers" + why, "regular_prune_skip_layers[0]");
            }
            if (proto.getRegularPruneSkipTypesCount() > 0) {
                throw AmctRejection.value("unexpected regular_prune_skip_types" + why, "regular_prune_skip_types[0]");
            }
            for (int i = 0; i < proto.getOverrideLayerConfigsCount(); i++) {
                if (!proto.getOverrideLayerConfigs(i).getPruneConfig().getAllFields().isEmpty()) {
                    throw AmctRejection.value("unexpected prune_config for override_layer_configs in config_defination"
                            + " if prune is disable.", "override_layer_configs[" + i + "].prune_config");
                }
            }
            // AMCT checks override_layer_configs a second time instead of override_layer_types: a prune_config in a
            // type override passes (and is ignored)
            for (int i = 0; i < proto.getOverrideLayerTypesCount(); i++) {
                if (!proto.getOverrideLayerTypes(i).getPruneConfig().getAllFields().isEmpty()) {
                    warnings.add(Diagnostic.warning("QUIRK-TYPE-OVERRIDE-PRUNE", "override_layer_types[" + i
                            + "].prune_config", "AMCT does not check prune_config in override_layer_types when pruning"
                            + " is off: it is ignored, but the type still counts as a quant override"));
                }
            }
        }
    }

    private Set<String> union(List<String> a, List<String> b, String nameA, String nameB) {
        warnRepeats(nameA, a);
        warnRepeats(nameB, b);
        Set<String> out = new LinkedHashSet<>(a);
        out.addAll(b);
        return out;
    }

    private final Set<String> warnedLists = new LinkedHashSet<>();

    private void warnRepeats(String field, List<String> entries) {
        Set<String> seen = new LinkedHashSet<>();
        Set<String> repeated = new LinkedHashSet<>();
        for (String e : entries) {
            if (!seen.add(e)) {
                repeated.add(e);
            }
        }
        if (!repeated.isEmpty() && warnedLists.add(field)) {
            warnings.add(Diagnostic.warning("SKIP-REPEATED", field, "Please delete repeated items in " + field
                    + ", repeated items are " + repeated + " (AMCT uses the list as a set)"));
        }
    }

    private void checkGlobal() {
        Set<String> skipLayers = union(proto.getSkipLayersList(), List.of(), "skip_layers", "");
        Set<String> skipTypes = union(proto.getSkipLayerTypesList(), List.of(), "skip_layer_types", "");
        Set<String> supported = new LinkedHashSet<>(qat.keySet());
        supported.addAll(selectivePrunable.keySet());
        supported.addAll(filterPrunable.keySet());
        firstOutside(skipLayers, supported).ifPresent(bad -> {
            throw AmctRejection.value("some skip_layers not in valid_layers", path("skip_layers", proto.getSkipLayersList(), bad));
        });
        boolean quantTypes = LayerTypes.RETRAIN_TYPES.containsAll(skipTypes);
        boolean pruneTypes = prunableTypes(pruneType).containsAll(skipTypes);
        if (!quantTypes && !pruneTypes) {
            String bad = skipTypes.stream().filter(t -> !LayerTypes.RETRAIN_TYPES.contains(t)).findFirst().orElse("");
            throw AmctRejection.value("some skip_layer_types not supported", path("skip_layer_types", proto.getSkipLayerTypesList(), bad));
        }
    }

    private void checkRetrain() {
        Set<String> skipLayers = union(proto.getQuantSkipLayersList(), proto.getSkipLayersList(), "quant_skip_layers", "skip_layers");
        Set<String> skipTypes = union(proto.getQuantSkipTypesList(), proto.getSkipLayerTypesList(), "quant_skip_types", "skip_layer_types");
        indexOverrides();
        List<String> quantOverrideLayers = proto.getOverrideLayerConfigsList().stream()
                .filter(o -> o.hasRetrainDataQuantConfig() || o.hasRetrainWeightQuantConfig())
                .map(RetrainOverrideLayer::getLayerName).toList();
        List<String> quantOverrideTypes = proto.getOverrideLayerTypesList().stream()
                .filter(o -> o.hasRetrainDataQuantConfig() || o.hasRetrainWeightQuantConfig())
                .map(RetrainOverrideLayerType::getLayerType).toList();
        firstOutside(quantOverrideLayers, qat.keySet()).ifPresent(bad -> {
            throw AmctRejection.value("some override_layer not in valid_layers for quant",
                    "override_layer_configs[" + layerOverrideIndex.get(bad) + "].layer_name");
        });
        firstOutside(skipLayers, qat.keySet()).ifPresent(bad -> {
            throw AmctRejection.value("some quant_skip_layers not in valid_layers", skipPath(bad, "quant_skip_layers", "skip_layers"));
        });
        firstOutside(quantOverrideTypes, LayerTypes.RETRAIN_TYPES).ifPresent(bad -> {
            throw AmctRejection.value("some override layers types not supported for quant",
                    "override_layer_types[" + typeOverrideIndex.get(bad) + "].layer_type");
        });
        firstOutside(skipTypes, LayerTypes.RETRAIN_TYPES).ifPresent(bad -> {
            throw AmctRejection.value("some quant_skip_types not supported", skipTypePath(bad, "quant_skip_types", "skip_layer_types"));
        });
    }

    private void checkPrune() {
        Set<String> skipLayers = union(proto.getRegularPruneSkipLayersList(), proto.getSkipLayersList(), "regular_prune_skip_layers", "skip_layers");
        Set<String> skipTypes = union(proto.getRegularPruneSkipTypesList(), proto.getSkipLayerTypesList(), "regular_prune_skip_types", "skip_layer_types");
        indexOverrides();
        List<String> filterLayers = new ArrayList<>();
        List<String> selectiveLayers = new ArrayList<>();
        for (RetrainOverrideLayer o : proto.getOverrideLayerConfigsList()) {
            if (o.hasPruneConfig() && o.getPruneConfig().hasFilterPruner()) {
                filterLayers.add(o.getLayerName());
            } else if (o.hasPruneConfig() && o.getPruneConfig().hasNOutOfMPruner()) {
                selectiveLayers.add(o.getLayerName());
            }
        }
        List<String> filterTypes = new ArrayList<>();
        List<String> selectiveTypes = new ArrayList<>();
        for (RetrainOverrideLayerType o : proto.getOverrideLayerTypesList()) {
            if (o.hasPruneConfig()) {
                // AMCT: filter_pruner → filter, anything else (even an empty block) → selective
                (o.getPruneConfig().hasFilterPruner() ? filterTypes : selectiveTypes).add(o.getLayerType());
            }
        }
        firstOutside(filterLayers, filterPrunable.keySet()).ifPresent(bad -> {
            throw AmctRejection.value("some override_layer not in valid_layers for filter prune",
                    "override_layer_configs[" + layerOverrideIndex.get(bad) + "].prune_config");
        });
        firstOutside(selectiveLayers, selectivePrunable.keySet()).ifPresent(bad -> {
            throw AmctRejection.value("some override_layer not in valid_layers for selective prune",
                    "override_layer_configs[" + layerOverrideIndex.get(bad) + "].prune_config");
        });
        firstOutside(skipLayers, prunableLayers(pruneType).keySet()).ifPresent(bad -> {
            throw AmctRejection.value("some regular_prune_skip_layers not in valid_layers",
                    skipPath(bad, "regular_prune_skip_layers", "skip_layers"));
        });
        firstOutside(filterTypes, LayerTypes.FILTER_PRUNABLE_TYPES).ifPresent(bad -> {
            throw AmctRejection.value("some override_types not supported for filter prune",
                    "override_layer_types[" + typeOverrideIndex.get(bad) + "].prune_config");
        });
        firstOutside(selectiveTypes, LayerTypes.SELECTIVE_PRUNABLE_TYPES).ifPresent(bad -> {
            throw AmctRejection.value("some override_types not supported for selective prune",
                    "override_layer_types[" + typeOverrideIndex.get(bad) + "].prune_config");
        });
        firstOutside(skipTypes, prunableTypes(pruneType)).ifPresent(bad -> {
            throw AmctRejection.value("some regular_prune_skip_types not supported",
                    skipTypePath(bad, "regular_prune_skip_types", "skip_layer_types"));
        });
    }

    /** get_override_layers / get_override_layer_types: repeated names or types are an error. */
    private void indexOverrides() {
        if (!layerOverrideIndex.isEmpty() || !typeOverrideIndex.isEmpty()) {
            return;
        }
        List<String> repeated = new ArrayList<>();
        for (int i = 0; i < proto.getOverrideLayerConfigsCount(); i++) {
            if (layerOverrideIndex.putIfAbsent(proto.getOverrideLayerConfigs(i).getLayerName(), i) != null) {
                repeated.add(proto.getOverrideLayerConfigs(i).getLayerName());
            }
        }
        if (!repeated.isEmpty()) {
            throw AmctRejection.value("Please delete repeated items in retrain_override_layers,  repeated items are "
                    + pyList(repeated) + " ", "override_layer_configs[" + lastIndexOf(repeated.get(0), true) + "].layer_name");
        }
        for (int i = 0; i < proto.getOverrideLayerTypesCount(); i++) {
            if (typeOverrideIndex.putIfAbsent(proto.getOverrideLayerTypes(i).getLayerType(), i) != null) {
                repeated.add(proto.getOverrideLayerTypes(i).getLayerType());
            }
        }
        if (!repeated.isEmpty()) {
            throw AmctRejection.value("Please delete repeated items in override_layer_types,  repeated items are "
                    + pyList(repeated) + " ", "override_layer_types[" + lastIndexOf(repeated.get(0), false) + "].layer_type");
        }
    }

    private int lastIndexOf(String key, boolean byName) {
        int last = -1;
        for (int i = 0; i < (byName ? proto.getOverrideLayerConfigsCount() : proto.getOverrideLayerTypesCount()); i++) {
            String k = byName ? proto.getOverrideLayerConfigs(i).getLayerName() : proto.getOverrideLayerTypes(i).getLayerType();
            if (k.equals(key)) {
                last = i;
            }
        }
        return last;
    }

    private static String pyList(List<String> items) {
        return "[" + String.join(", ", items.stream().map(s -> "'" + s + "'").toList()) + "]";
    }

    private Map<String, Layer> prunableLayers(String type) {
        return switch (type) {
            case PrunePlan.FILTER -> filterPrunable;
            case PrunePlan.SELECTIVE -> selectivePrunable;
            default -> Map.of();
        };
    }

    private static List<String> prunableTypes(String type) {
        return switch (type) {
            case PrunePlan.FILTER -> LayerTypes.FILTER_PRUNABLE_TYPES;
            case PrunePlan.SELECTIVE -> LayerTypes.SELECTIVE_PRUNABLE_TYPES;
            default -> List.of();
        };
    }

    private static Optional<String> firstOutside(java.util.Collection<String> items, java.util.Collection<String> allowed) {
        return items.stream().filter(i -> !allowed.contains(i)).findFirst();
    }

    private static String path(String field, List<String> list, String value) {
        int i = list.indexOf(value);
        return i < 0 ? field : field + "[" + i + "]";
    }

    private String skipPath(String name, String own, String global) {
        List<String> ownList = own.equals("quant_skip_layers") ? proto.getQuantSkipLayersList() : proto.getRegularPruneSkipLayersList();
        return ownList.contains(name) ? path(own, ownList, name) : path(global, proto.getSkipLayersList(), name);
    }

    private String skipTypePath(String type, String own, String global) {
        List<String> ownList = own.equals("quant_skip_types") ? proto.getQuantSkipTypesList() : proto.getRegularPruneSkipTypesList();
        return ownList.contains(type) ? path(own, ownList, type) : path(global, proto.getSkipLayerTypesList(), type);
    }

    // ---- generation (_generate_retrain_config, _generate_prune_config) -------------------------------------

    private Source source(Source.Kind kind, String fieldPath, String detail) {
        return new Source(kind, fieldPath, config.positionOf(fieldPath), detail);
    }

    private Optional<Source> quantSkip(Layer layer) {
        return skip(layer, "quantization", "quant_skip_layers", proto.getQuantSkipLayersList(), "quant_skip_types",
                proto.getQuantSkipTypesList());
    }

    private Optional<Source> pruneSkip(Layer layer) {
        return skip(layer, "pruning", "regular_prune_skip_layers", proto.getRegularPruneSkipLayersList(),
                "regular_prune_skip_types", proto.getRegularPruneSkipTypesList());
    }

    /** The first skip entry that names the layer or its type: the feature's own lists first, then the global ones. */
    private Optional<Source> skip(Layer layer, String feature, String ownNames, List<String> ownNameList, String ownTypes,
                                  List<String> ownTypeList) {
        for (Map.Entry<String, List<String>> names : List.<Map.Entry<String, List<String>>>of(Map.entry(ownNames, ownNameList),
                Map.entry("skip_layers", proto.getSkipLayersList()))) {
            if (names.getValue().contains(layer.name())) {
                return Optional.of(source(Source.Kind.SKIP, path(names.getKey(), names.getValue(), layer.name()),
                        "skips " + feature + " of '" + layer.name() + "'"));
            }
        }
        for (Map.Entry<String, List<String>> types : List.<Map.Entry<String, List<String>>>of(Map.entry(ownTypes, ownTypeList),
                Map.entry("skip_layer_types", proto.getSkipLayerTypesList()))) {
            if (types.getValue().contains(layer.type())) {
                return Optional.of(source(Source.Kind.SKIP, path(types.getKey(), types.getValue(), layer.type()),
                        "skips " + feature + " of type " + layer.type()));
            }
        }
        return Optional.empty();
    }

    private void generateRetrain() {
        boolean hasGlobalQuant = proto.hasRetrainDataQuantConfig() || proto.hasRetrainWeightQuantConfig();
        ProtoParams.Data globalData = ProtoParams.data(proto.getRetrainDataQuantConfig(), "retrain_data_quant_config");
        ProtoParams.Weights globalWeights = ProtoParams.weights(proto.getRetrainWeightQuantConfig());
        Source globalDataFrom = proto.hasRetrainDataQuantConfig()
                ? source(Source.Kind.GLOBAL, "retrain_data_quant_config", "")
                : Source.amctDefault("ULQ, INT8, range initialised by IFMR (no global retrain_data_quant_config)");
        Source globalWeightsFrom = proto.hasRetrainWeightQuantConfig()
                ? source(Source.Kind.GLOBAL, "retrain_weight_quant_config", "")
                : Source.amctDefault("ARQ, INT8 (no global retrain_weight_quant_config)");
        for (Layer layer : qat.values()) {
            Entry e = new Entry(layer);
            entries.put(layer.name(), e);
            e.pruneEnable = false;
            Optional<Source> skip = quantSkip(layer);
            if (skip.isPresent()) {
                e.retrainEnable = false;
                e.retrainEnabledBy = skip.get();
            } else if (noDefault && !hasGlobalQuant) {
                e.retrainEnable = false;
                e.retrainEnabledBy = Source.amctDefault("in " + mode.label() + " mode a config without a global"
                        + " retrain_data/weight_quant_config quantizes only the layers its overrides name");
            } else {
                e.retrainEnable = true;
                e.retrainEnabledBy = hasGlobalQuant ? source(Source.Kind.GLOBAL, proto.hasRetrainDataQuantConfig()
                        ? "retrain_data_quant_config" : "retrain_weight_quant_config", "quantizes every capable layer")
                        : Source.amctDefault("QAT quantizes every capable layer");
            }
            Integer byName = layerOverrideIndex.get(layer.name());
            Integer byType = typeOverrideIndex.get(layer.type());
            if (byName != null || byType != null) {
                String prefix = byName != null ? "override_layer_configs[" + byName + "]" : "override_layer_types[" + byType + "]";
                Source.Kind kind = byName != null ? Source.Kind.LAYER_OVERRIDE : Source.Kind.TYPE_OVERRIDE;
                var data = byName != null ? proto.getOverrideLayerConfigs(byName).getRetrainDataQuantConfig()
                        : proto.getOverrideLayerTypes(byType).getRetrainDataQuantConfig();
                var weights = byName != null ? proto.getOverrideLayerConfigs(byName).getRetrainWeightQuantConfig()
                        : proto.getOverrideLayerTypes(byType).getRetrainWeightQuantConfig();
                var prune = byName != null ? proto.getOverrideLayerConfigs(byName).getPruneConfig()
                        : proto.getOverrideLayerTypes(byType).getPruneConfig();
                e.data = ProtoParams.data(data, prefix + ".retrain_data_quant_config");
                e.weights = ProtoParams.weights(weights);
                ProtoParams.prune(prune, prefix + ".prune_config");   // AMCT parses it here too
                boolean hasData = byName != null ? proto.getOverrideLayerConfigs(byName).hasRetrainDataQuantConfig()
                        : proto.getOverrideLayerTypes(byType).hasRetrainDataQuantConfig();
                boolean hasWeights = byName != null ? proto.getOverrideLayerConfigs(byName).hasRetrainWeightQuantConfig()
                        : proto.getOverrideLayerTypes(byType).hasRetrainWeightQuantConfig();
                e.dataFrom = hasData ? source(kind, prefix + ".retrain_data_quant_config", "")
                        : source(kind, prefix, "no retrain_data_quant_config: AMCT's defaults (ULQ INT8, IFMR range)");
                e.weightsFrom = hasWeights ? source(kind, prefix + ".retrain_weight_quant_config", "")
                        : source(kind, prefix, "no retrain_weight_quant_config: AMCT's defaults (ARQ INT8)");
                if (!e.retrainEnable) {
                    e.quirks.add("quant override beats skip: " + e.retrainEnabledBy.describe() + " is ignored for"
                            + " quantization because " + prefix + " names this layer (AMCT quirk)");
                }
                e.retrainEnable = true;
                e.retrainEnabledBy = source(kind, prefix, "an override always enables quantization");
                if (byName != null && byType != null) {
                    e.quirks.add("override_layer_types[" + byType + "] is shadowed: " + prefix + " wins as a whole");
                }
                if (proto.hasRetrainDataQuantConfig() && (globalData.hasClip() || globalData.fixedMin().isPresent())
                        && !e.data.hasClip() && e.data.fixedMin().isEmpty()) {
                    e.quirks.add("the override replaces the global activation config as a whole: the global"
                            + (globalData.hasClip() ? " clip_max_min" : "") + (globalData.fixedMin().isPresent() ? " fixed_min" : "")
                            + " is dropped for this layer (AMCT quirk; IFMR initialises the range)");
                }
                if (proto.hasRetrainWeightQuantConfig() && !hasWeights) {
                    e.quirks.add("the override has no retrain_weight_quant_config: the layer gets AMCT's default weight"
                            + " quantizer, not the global one (AMCT quirk)");
                }
            } else {
                e.data = globalData;
                e.dataFrom = globalDataFrom;
                e.weights = globalWeights;
                e.weightsFrom = globalWeightsFrom;
            }
            checkPair(e);
        }
    }

    private void checkPair(Entry e) {
        DataType act = e.data.dstType();
        DataType wts = e.weights.dstType().orElse(DataType.INT8);
        boolean ok = (act == DataType.INT8 && (wts == DataType.INT8 || wts == DataType.INT4))
                || (act == DataType.INT16 && wts == DataType.INT8) || (act == DataType.INT4 && wts == DataType.INT4);
        if (!ok) {
            throw AmctRejection.value("Activation and weights data_type are not supported for now. Note, activation is "
                    + act + " and weight is " + wts + ".", e.weightsFrom.fieldPath());
        }
    }

    private void generatePrune() {
        Optional<ProtoParams.Prune> global = ProtoParams.prune(proto.getPruneConfig(), "prune_config");
        Map<String, Layer> candidates = new LinkedHashMap<>(filterPrunable);
        selectivePrunable.forEach(candidates::putIfAbsent);
        for (Layer layer : candidates.values()) {
            Integer byName = layerOverrideIndex.get(layer.name());
            Integer byType = typeOverrideIndex.get(layer.type());
            Optional<ProtoParams.Prune> override = Optional.empty();
            String prefix = null;
            if (byName != null) {
                prefix = "override_layer_configs[" + byName + "]";
                var o = proto.getOverrideLayerConfigs(byName);
                ProtoParams.data(o.getRetrainDataQuantConfig(), prefix + ".retrain_data_quant_config");
                override = ProtoParams.prune(o.getPruneConfig(), prefix + ".prune_config");
            } else if (byType != null) {
                prefix = "override_layer_types[" + byType + "]";
                var o = proto.getOverrideLayerTypes(byType);
                ProtoParams.data(o.getRetrainDataQuantConfig(), prefix + ".retrain_data_quant_config");
                override = ProtoParams.prune(o.getPruneConfig(), prefix + ".prune_config");
            } else if (!prunableLayers(pruneType).containsKey(layer.name())) {
                continue;
            }
            Entry e = entries.computeIfAbsent(layer.name(), n -> {
                Entry fresh = new Entry(layer);
                fresh.retrainEnable = false;
                return fresh;
            });
            e.pruneEnable = true;
            e.pruneEnabledBy = prefix != null ? source(byName != null ? Source.Kind.LAYER_OVERRIDE : Source.Kind.TYPE_OVERRIDE, prefix, "")
                    : source(Source.Kind.GLOBAL, "prune_config", "");
            Optional<Source> skip = pruneSkip(layer);
            if (skip.isPresent()) {
                e.pruneEnable = false;
                if (override.isPresent()) {
                    e.quirks.add("prune skip beats override: " + skip.get().describe() + " disables pruning although "
                            + prefix + " sets its parameters (AMCT quirk; the parameters are still written)");
                }
                e.pruneEnabledBy = skip.get();
            }
            if (override.isPresent()) {
                e.prune = override;
                e.pruneFrom = source(byName != null ? Source.Kind.LAYER_OVERRIDE : Source.Kind.TYPE_OVERRIDE, prefix + ".prune_config", "");
            } else {
                e.prune = global;
                e.pruneFrom = source(Source.Kind.GLOBAL, "prune_config", prefix == null ? "" : prefix
                        + " has no prune_config: the global one applies");
            }
        }
    }

    // ---- RootConfig.build and _del_reduant_config ---------------------------------------------------------

    private Resolution build() {
        if (proto.hasBatchNum() && proto.getBatchNum() == 0) {
            throw AmctRejection.value("batch_num(0) should be greater than zero.", "batch_num");
        }
        boolean allDisabled = true;
        List<LayerPlan> plans = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (Boolean.TRUE.equals(e.retrainEnable) || Boolean.TRUE.equals(e.pruneEnable)) {
                allDisabled = false;
            }
            Optional<QuantPlan> quant = qat.containsKey(e.layer.name()) ? Optional.of(quantPlan(e)) : Optional.empty();
            Optional<PrunePlan> prune = prunePlan(e);
            if (quant.isPresent() || prune.isPresent()) {
                plans.add(new LayerPlan(e.layer, quant, prune, e.quirks));
            }
        }
        if (allDisabled) {
            throw AmctRejection.value("No layer retrain enabled");
        }
        Optional<Long> batchNum = enableRetrain
                ? Optional.of(proto.hasBatchNum() ? Integer.toUnsignedLong(proto.getBatchNum()) : 1L) : Optional.empty();
        return Resolution.accepted(config, mode, List.copyOf(layers.values()), plans, batchNum,
                proto.hasFakequantPrecisionMode(), warnings);
    }

    private QuantPlan quantPlan(Entry e) {
        ProtoParams.Data d = e.data;
        String layer = e.layer.name();
        if (d.hasClip()) {
            if (!(d.clipMax().get() > 0) && !Float.isNaN(d.clipMax().get())) {
                throw AmctRejection.value("clip max should be larger than 0 for layer " + layer, e.dataFrom.fieldPath());
            }
            if (!(d.clipMin().get() < 0) && !Float.isNaN(d.clipMin().get())) {
                throw AmctRejection.value("clip min should be less than 0 for layer " + layer, e.dataFrom.fieldPath());
            }
        }
        ProtoParams.Weights w = e.weights;
        boolean channelWise;
        Source channelWiseFrom;
        if (w.channelWise().isPresent()) {
            channelWise = w.channelWise().get();
            channelWiseFrom = e.weightsFrom;
            if (channelWise && LayerTypes.NOT_CHANNEL_WISE.contains(e.layer.type())) {
                throw AmctRejection.value(" " + layer + " layer can not be channewised", e.weightsFrom.fieldPath());
            }
        } else {
            channelWise = LayerTypes.defaultChannelWise(e.layer.type());
            channelWiseFrom = Source.amctDefault("channel_wise " + channelWise + " for " + e.layer.type()
                    + " (false for Linear, true for every other type)");
            if (!channelWise) {
                e.quirks.add("channel_wise forced false by layer type " + e.layer.type() + " (AMCT quantizes its weights per tensor)");
            }
        }
        DataType weightType = w.dstType().orElse(DataType.INT8);
        boolean downgraded = false;
        if (weightType == DataType.INT4 && !e.layer.isInt4Packable()) {
            weightType = DataType.INT8;
            downgraded = true;
            String message = "Layer " + layer + " weight cannot be INT4-packed along Cin (grouped conv or odd Cin),"
                    + " downgraded to INT8 (A8W8).";
            warnings.add(Diagnostic.warning("INT4-DOWNGRADED", e.weightsFrom.fieldPath(), message));
            e.quirks.add("INT4 weights downgraded to INT8: " + message);
        }
        return new QuantPlan(e.retrainEnable, e.retrainEnabledBy, d.clipMax(), d.clipMin(), d.fixedMin(), d.dstType(),
                e.dataFrom, w.algo().orElse("arq_retrain"), channelWise, channelWiseFrom, weightType, e.weightsFrom, downgraded);
    }

    private Optional<PrunePlan> prunePlan(Entry e) {
        if (e.prune.isEmpty()) {
            return Optional.empty();
        }
        ProtoParams.Prune p = e.prune.get();
        if (p.ratio().isPresent()) {
            float r = p.ratio().get();
            if (r <= 0 || r >= 1) {
                throw AmctRejection.value("prune ration should be greater than 0 and less than 1 for layer "
                        + e.layer.name(), e.pruneFrom.fieldPath() + ".filter_pruner.balanced_l2_norm_filter_prune.prune_ratio");
            }
        }
        if (!prunableLayers(p.pruneType()).containsKey(e.layer.name())) {
            return Optional.empty();
        }
        return Optional.of(new PrunePlan(e.pruneEnable, e.pruneEnabledBy, p.pruneType(), p.ratio(),
                p.ascendOptimized().orElse(true), p.updateFreq(), e.pruneFrom));
    }
}
