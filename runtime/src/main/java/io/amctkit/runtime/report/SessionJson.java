package io.amctkit.runtime.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.session.SessionResult;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * A session as one JSON document for machines ({@code report --format json}): the model, mode, totals, the model-level
 * evaluation when it ran (as in {@code summary.json}) and one object per layer with every column of
 * {@link SessionResult#table()} (a missing number is {@code null}).
 */
public final class SessionJson {

    private SessionJson() {
    }

    public static String write(SessionResult result, Optional<Evaluation> evaluation) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("model", result.model().getFileName().toString()).put("mode", result.resolution().mode().label());
        ObjectNode totals = root.putObject("totals");
        totals.put("layers", result.layers().size())
                .put("quantized", result.layers().stream().filter(l -> l.quantized()).count())
                .put("params_before", result.paramsBefore()).put("params_after", result.paramsAfter())
                .put("bytes_before", result.bitsBefore() / 8).put("bytes_after", (result.bitsAfter() + 7) / 8)
                .put("stored_types", String.join("/", result.storedTypes()))
                .put("compression", result.compressionRatio());
        ArrayNode worst = totals.putArray("lowest_weight_sqnr");
        result.worstLayers(3).forEach(l -> worst.add(l.name()));
        try {
            if (evaluation.isPresent()) {
                root.set("evaluation", json.readTree(evaluation.get().toJson()));
            }
            ArrayNode layers = root.putArray("layers");
            Table table = result.table();
            for (int r = 0; r < table.rowCount(); r++) {
                ObjectNode row = layers.addObject();
                for (Column<?> c : table.columns()) {
                    Object v = c.get(r);
                    if (v == null) {
                        row.putNull(c.name());
                    } else if (v instanceof Double d) {
                        if (Double.isFinite(d)) {
                            row.put(c.name(), d);
                        } else {
                            row.putNull(c.name());
                        }
                    } else if (v instanceof Number n) {
                        row.put(c.name(), n.longValue());
                    } else if (v instanceof Boolean b) {
                        row.put(c.name(), b);
                    } else {
                        row.put(c.name(), v.toString());
                    }
                }
            }
            return json.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
