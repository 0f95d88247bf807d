package io.amctkit.dsl.resolve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The layers whose effective config differs between two resolutions (two configs on one model, or one config on
 * two models), field by field, in AMCT's JSON terms ({@code retrain_data_config.clip_max}, ...).
 */
public final class ConfigDiff {

    /** One changed field of one layer; {@code null} stands for "absent". */
    public record Change(String layer, String field, Object before, Object after) {
        @Override
        public String toString() {
            return layer + "  " + field + ": " + (before == null ? "(absent)" : before) + " -> "
                    + (after == null ? "(absent)" : after);
        }
    }

    private ConfigDiff() {
    }

    public static List<Change> between(Resolution before, Resolution after) {
        List<Change> changes = new ArrayList<>();
        if (before.isAccepted() != after.isAccepted()) {
            changes.add(new Change("(config)", "verdict", verdict(before), verdict(after)));
        }
        Map<String, Object> a = flatten(before);
        Map<String, Object> b = flatten(after);
        Set<String> keys = new LinkedHashSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String key : keys) {
            if (!Objects.equals(a.get(key), b.get(key))) {
                int cut = key.indexOf('\u0000');
                changes.add(new Change(cut < 0 ? "(global)" : key.substring(0, cut), cut < 0 ? key : key.substring(cut + 1),
                        a.get(key), b.get(key)));
            }
        }
        return changes;
    }

    private static String verdict(Resolution r) {
        return r.isAccepted() ? "accepted" : "rejected: " + r.rejection().get().message();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> flatten(Resolution r) {
        Map<String, Object> flat = new LinkedHashMap<>();
        if (!r.isAccepted()) {
            return flat;
        }
        for (Map.Entry<String, Object> e : r.toAmctJson().entrySet()) {
            if (e.getValue() instanceof Map<?, ?> layer) {
                flattenInto(flat, e.getKey() + '\u0000', (Map<String, Object>) layer);
            } else {
                flat.put(e.getKey(), e.getValue());
            }
        }
        return flat;
    }

    @SuppressWarnings("unchecked")
    private static void flattenInto(Map<String, Object> flat, String prefix, Map<String, Object> map) {
        for (Map.Entry<String, Object> e : map.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> nested) {
                flattenInto(flat, prefix + e.getKey() + ".", (Map<String, Object>) nested);
            } else {
                flat.put(prefix + e.getKey(), e.getValue());
            }
        }
    }
}
