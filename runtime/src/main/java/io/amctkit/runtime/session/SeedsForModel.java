package io.amctkit.runtime.session;

import io.amctkit.dsl.LayerTypes;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.examples.SeedConfigs;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.ModelLayer;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * AMCT's five sample configs with their placeholder names replaced by a model's real ones: {@code Opname} → the first
 * layer of the model's most common quantizable type, {@code quant_skip_layers_name_0} → the second, {@code Optype} →
 * its least common quantizable type — in compressed1, whose type override filter-prunes, its least common
 * filter-prunable type. The substitutions are listed in the result ({@code Optype (compressed1)} when it differs).
 */
public final class SeedsForModel {

    /** The configs by seed name, and what replaced each placeholder. */
    public record Seeds(Map<String, RetrainConfig> configs, Map<String, String> substitutions) {
    }

    private SeedsForModel() {
    }

    public static Seeds of(Model model) {
        List<ModelLayer> capable = model.layers().stream().filter(l -> LayerTypes.isQuantizable(l.type())).toList();
        if (capable.isEmpty()) {
            throw new IllegalArgumentException(model.source() + " has no layer AMCT quantizes: the sample configs do not apply");
        }
        Map<String, Long> counts = capable.stream().collect(Collectors.groupingBy(ModelLayer::type, TreeMap::new, Collectors.counting()));
        String common = counts.entrySet().stream().max(Map.Entry.comparingByValue()).get().getKey();
        String rare = counts.entrySet().stream().min(Comparator.comparing(Map.Entry<String, Long>::getValue)).get().getKey();
        String rareFilterPrunable = counts.entrySet().stream().filter(e -> LayerTypes.FILTER_PRUNABLE_TYPES.contains(e.getKey()))
                .min(Comparator.comparing(Map.Entry<String, Long>::getValue)).map(Map.Entry::getKey).orElse(common);
        List<ModelLayer> ofCommon = capable.stream().filter(l -> l.type().equals(common)).toList();
        Map<String, String> subst = new LinkedHashMap<>();
        subst.put("Opname", ofCommon.get(0).name());
        subst.put("quant_skip_layers_name_0", ofCommon.get(Math.min(1, ofCommon.size() - 1)).name());
        subst.put("Optype", rare);
        Map<String, String> forCompressed1 = new LinkedHashMap<>(subst);
        forCompressed1.put("Optype", rareFilterPrunable);
        Map<String, RetrainConfig> configs = new LinkedHashMap<>();
        SeedConfigs.all().forEach((name, config) -> configs.put(name, RetrainConfig.parse(
                "seed " + name + " for " + model.source().getFileName(),
                substitute(config.toString(), name.equals("compressed1") ? forCompressed1 : subst))));
        if (!rareFilterPrunable.equals(rare)) {
            subst.put("Optype (compressed1)", rareFilterPrunable);
        }
        return new Seeds(configs, subst);
    }

    /** Replaces each quoted placeholder by its quoted real name. */
    private static String substitute(String cfgText, Map<String, String> names) {
        String text = cfgText;
        for (Map.Entry<String, String> e : names.entrySet()) {
            text = text.replace("\"" + e.getKey() + "\"", "\"" + e.getValue().replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        }
        return text;
    }
}
