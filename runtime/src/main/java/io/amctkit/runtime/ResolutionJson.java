package io.amctkit.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.amctkit.dsl.Diagnostic;
import io.amctkit.dsl.resolve.LayerPlan;
import io.amctkit.dsl.resolve.Resolution;
import tech.tablesaw.api.Table;

/**
 * amctkit's own JSON of a resolution ({@code --format json}): the verdict, the diagnostics, and per layer the table
 * row plus the deciding source of every part and the AMCT quirks that applied.
 */
public final class ResolutionJson {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResolutionJson() {
    }

    public static String write(Resolution resolution) {
        ObjectNode root = JSON.createObjectNode();
        root.put("mode", resolution.mode().label());
        root.put("accepted", resolution.isAccepted());
        resolution.rejection().ifPresent(d -> root.set("rejection", diagnostic(d)));
        ArrayNode warnings = root.putArray("warnings");
        resolution.warnings().forEach(w -> warnings.add(diagnostic(w)));
        resolution.batchNum().ifPresent(n -> root.put("batch_num", n));
        ArrayNode layers = root.putArray("layers");
        Table table = ResolutionTable.of(resolution);
        for (int r = 0; r < table.rowCount(); r++) {
            ObjectNode row = layers.addObject();
            for (String column : table.columnNames()) {
                Object value = table.column(column).get(r);
                if (value instanceof Boolean b) {
                    row.put(column, b);
                } else if (!String.valueOf(value).isEmpty()) {
                    row.put(column, String.valueOf(value));
                }
            }
            resolution.plan(table.stringColumn("layer").get(r)).ifPresent(plan -> sources(row, plan));
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sources(ObjectNode row, LayerPlan plan) {
        ObjectNode from = row.putObject("sources");
        plan.quant().ifPresent(q -> {
            from.put("retrain_enable", q.enabledBy().describe());
            from.put("retrain_data_config", q.activationsFrom().describe());
            from.put("retrain_weight_config", q.weightsFrom().describe());
            from.put("channel_wise", q.channelWiseFrom().describe());
        });
        plan.prune().ifPresent(p -> {
            from.put("regular_prune_enable", p.enabledBy().describe());
            from.put("regular_prune_config", p.paramsFrom().describe());
        });
        ArrayNode quirks = row.putArray("quirks");
        plan.quirks().forEach(quirks::add);
    }

    private static ObjectNode diagnostic(Diagnostic d) {
        ObjectNode node = JSON.createObjectNode();
        node.put("severity", d.severity().label());
        node.put("code", d.code());
        node.put("message", d.message());
        if (!d.fieldPath().isEmpty()) {
            node.put("field", d.fieldPath());
        }
        d.position().ifPresent(p -> node.put("position", p.toString()));
        return node;
    }

}
