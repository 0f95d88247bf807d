package io.amctkit.dsl.resolve;

import io.amctkit.dsl.Diagnostic;
import io.amctkit.dsl.Diagnostics;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.internal.DidYouMean;
import io.amctkit.dsl.proto.AMCTRetrainConfig;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks a config against a model's layer list for mistakes AMCT may let through or reports without a hint: names
 * and types that match no layer (with did-you-mean from the model), type overrides that no layer reaches, and layers
 * both skipped and overridden (saying which wins for quantization and for pruning).
 */
public final class Lint {

    private Lint() {
    }

    public static Diagnostics check(RetrainConfig config, List<Layer> layers) {
        AMCTRetrainConfig p = config.toProto();
        Set<String> names = layers.stream().map(Layer::name).collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> types = layers.stream().map(Layer::type).collect(Collectors.toCollection(LinkedHashSet::new));
        List<Diagnostic> out = new ArrayList<>();
        names(out, "skip_layers", p.getSkipLayersList(), names);
        names(out, "quant_skip_layers", p.getQuantSkipLayersList(), names);
        names(out, "regular_prune_skip_layers", p.getRegularPruneSkipLayersList(), names);
        types(out, "skip_layer_types", p.getSkipLayerTypesList(), types);
        types(out, "quant_skip_types", p.getQuantSkipTypesList(), types);
        types(out, "regular_prune_skip_types", p.getRegularPruneSkipTypesList(), types);
        for (int i = 0; i < p.getOverrideLayerConfigsCount(); i++) {
            String name = p.getOverrideLayerConfigs(i).getLayerName();
            if (!names.contains(name)) {
                out.add(Diagnostic.error("LINT-NO-SUCH-LAYER", "override_layer_configs[" + i + "].layer_name",
                        "no layer named '" + name + "' in the model" + hint(name, names)));
            }
        }
        Set<String> overriddenNames = p.getOverrideLayerConfigsList().stream().map(o -> o.getLayerName()).collect(Collectors.toSet());
        for (int i = 0; i < p.getOverrideLayerTypesCount(); i++) {
            String type = p.getOverrideLayerTypes(i).getLayerType();
            String path = "override_layer_types[" + i + "].layer_type";
            if (!types.contains(type)) {
                out.add(Diagnostic.error("LINT-NO-SUCH-TYPE", path, "no layer of type '" + type + "' in the model"
                        + hint(type, types)));
            } else if (layers.stream().filter(l -> l.type().equals(type)).allMatch(l -> overriddenNames.contains(l.name()))) {
                out.add(Diagnostic.warning("LINT-TYPE-SHADOWED", path, "every " + type + " layer has its own"
                        + " override_layer_configs entry, so this type override decides nothing"));
            }
        }
        Set<String> overriddenTypes = p.getOverrideLayerTypesList().stream().map(o -> o.getLayerType()).collect(Collectors.toSet());
        Map<String, String> nameSkips = firstEntries(Map.of("skip_layers", p.getSkipLayersList(),
                "quant_skip_layers", p.getQuantSkipLayersList(), "regular_prune_skip_layers", p.getRegularPruneSkipLayersList()));
        Map<String, String> typeSkips = firstEntries(Map.of("skip_layer_types", p.getSkipLayerTypesList(),
                "quant_skip_types", p.getQuantSkipTypesList(), "regular_prune_skip_types", p.getRegularPruneSkipTypesList()));
        for (Layer layer : layers) {
            Optional<String> skip = Optional.ofNullable(nameSkips.get(layer.name()))
                    .or(() -> Optional.ofNullable(typeSkips.get(layer.type())));
            boolean overridden = overriddenNames.contains(layer.name()) || overriddenTypes.contains(layer.type());
            if (skip.isPresent() && overridden) {
                out.add(Diagnostic.warning("LINT-SKIPPED-AND-OVERRIDDEN", skip.get(), "layer '" + layer.name() + "' is"
                        + " both skipped and overridden: for quantization the override wins (the layer IS quantized),"
                        + " for pruning the skip wins (the layer is NOT pruned)"));
            }
        }
        return new Diagnostics(config.sourceName(), out.stream().map(d -> config.positionOf(d.fieldPath()).map(d::at).orElse(d)).toList());
    }

    /**
     * Each skipped name or type → the path of its first entry ({@code quant_skip_layers[2]}), lists in name order:
     * built once, so checking every layer of a large model is a lookup.
     */
    private static Map<String, String> firstEntries(Map<String, List<String>> lists) {
        Map<String, String> first = new java.util.HashMap<>();
        lists.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            for (int i = 0; i < e.getValue().size(); i++) {
                first.putIfAbsent(e.getValue().get(i), e.getKey() + "[" + i + "]");
            }
        });
        return first;
    }

    private static void names(List<Diagnostic> out, String field, List<String> entries, Set<String> names) {
        for (int i = 0; i < entries.size(); i++) {
            if (!names.contains(entries.get(i))) {
                out.add(Diagnostic.error("LINT-NO-SUCH-LAYER", field + "[" + i + "]", "no layer named '" + entries.get(i)
                        + "' in the model" + hint(entries.get(i), names)));
            }
        }
    }

    private static void types(List<Diagnostic> out, String field, List<String> entries, Set<String> types) {
        for (int i = 0; i < entries.size(); i++) {
            if (!types.contains(entries.get(i))) {
                out.add(Diagnostic.error("LINT-NO-SUCH-TYPE", field + "[" + i + "]", "no layer of type '" + entries.get(i)
                        + "' in the model" + hint(entries.get(i), types)));
            }
        }
    }

    private static String hint(String wrong, Set<String> known) {
        return DidYouMean.suggest(wrong, known).map(s -> "; did you mean '" + s + "'?").orElse("");
    }
}
