package io.amctkit.runtime.retrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.session.SessionResult;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The retrained state: the float model with the retrained weights and biases, the config with the learned clip ranges
 * ({@code retrained.cfg}), the session of that config on that model (its exports are the retrained fake-quant, deploy
 * and pruned models), and per layer what was done.
 */
public record RetrainResult(OnnxModel model, RetrainConfig config, SessionResult session, List<RetrainedLayer> layers,
                            List<String> notes, double seconds) {

    public RetrainResult {
        layers = List.copyOf(layers);
        notes = List.copyOf(notes);
    }

    public long count(RetrainedLayer.Status status) {
        return layers.stream().filter(l -> l.status() == status).count();
    }

    /** One row per layer: status, error before and after (and in dB), the clip range learned, seconds. */
    public Table table() {
        StringColumn name = StringColumn.create("layer");
        StringColumn type = StringColumn.create("type");
        StringColumn status = StringColumn.create("status");
        DoubleColumn before = DoubleColumn.create("mse_before");
        DoubleColumn after = DoubleColumn.create("mse_after");
        DoubleColumn gain = DoubleColumn.create("change_db");
        DoubleColumn clipMin = DoubleColumn.create("clip_min");
        DoubleColumn clipMax = DoubleColumn.create("clip_max");
        DoubleColumn seconds = DoubleColumn.create("seconds");
        StringColumn detail = StringColumn.create("detail");
        for (RetrainedLayer l : layers) {
            name.append(l.name());
            type.append(l.type());
            status.append(l.status().name().toLowerCase(Locale.ROOT));
            before.append(significant(l.lossBefore(), 4));
            after.append(significant(l.lossAfter(), 4));
            gain.append(Math.round(l.gainDb() * 100) / 100.0);
            clipMin.append(l.clipAfter().map(c -> significant(c.min(), 6)).orElse(Double.NaN));
            clipMax.append(l.clipAfter().map(c -> significant(c.max(), 6)).orElse(Double.NaN));
            seconds.append(Math.round(l.seconds() * 100) / 100.0);
            detail.append(l.detail());
        }
        return Table.create("retrained layers", name, type, status, before, after, gain, clipMin, clipMax, seconds, detail);
    }

    /**
     * {@code summary.json} of a retraining: the model-level evaluation before (calibrated only) and after, each as
     * {@link Evaluation#toJson()} writes it, and per layer what was done.
     */
    public String toJson(Optional<Evaluation> before, Optional<Evaluation> after) {
        ObjectMapper json = new ObjectMapper();
        try {
            ObjectNode root = json.createObjectNode();
            root.set("before", before.isPresent() ? json.readTree(before.get().toJson()) : json.nullNode());
            root.set("after", after.isPresent() ? json.readTree(after.get().toJson()) : json.nullNode());
            ObjectNode r = root.putObject("retraining");
            r.put("seconds", seconds).put("retrained", count(RetrainedLayer.Status.RETRAINED))
                    .put("refitted", count(RetrainedLayer.Status.REFITTED)).put("kept", count(RetrainedLayer.Status.KEPT));
            ArrayNode ls = r.putArray("layers");
            for (RetrainedLayer l : layers) {
                ObjectNode o = ls.addObject().put("name", l.name()).put("type", l.type())
                        .put("status", l.status().name().toLowerCase(Locale.ROOT)).put("detail", l.detail());
                finite(o, "mse_before", l.lossBefore());
                finite(o, "mse_after", l.lossAfter());
                l.clipBefore().ifPresent(c -> o.putObject("clip_before").put("clip_max", c.max()).put("clip_min", c.min()));
                l.clipAfter().ifPresent(c -> o.putObject("clip_after").put("clip_max", c.max()).put("clip_min", c.min()));
            }
            notes.forEach(r.putArray("notes")::add);
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void finite(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    /** A few lines: how many layers were retrained, refitted and kept, and how long it took. */
    public String summary() {
        return String.format(Locale.ROOT, "retrained %d layer(s), refitted %d, kept %d as calibrated, in %.1f s%n",
                count(RetrainedLayer.Status.RETRAINED), count(RetrainedLayer.Status.REFITTED), count(RetrainedLayer.Status.KEPT), seconds)
                + notes.stream().map(n -> "note: " + n + System.lineSeparator()).reduce("", String::concat);
    }

    /** {@code v} to {@code digits} significant digits (a table for people; the JSON keeps full precision). */
    private static double significant(double v, int digits) {
        return Double.isFinite(v) && v != 0
                ? new java.math.BigDecimal(v).round(new java.math.MathContext(digits)).doubleValue() : v;
    }
}
