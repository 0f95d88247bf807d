package io.amctkit.runtime.sensitivity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.amctkit.runtime.evaluation.OutputMetrics;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A sensitivity analysis: the model-level metrics with every layer compressed, and per layer with only it and with
 * all but it; the layers sorted by impact (the lowest SQNR with only that layer compressed first).
 *
 * @param evaluations model evaluations run (2N + 2: float, all, and two per layer)
 * @param seconds     wall time of the whole analysis
 */
public record SensitivityResult(String model, String mode, int samples, OutputMetrics all, Optional<Double> allAccuracy,
                                Optional<Double> floatAccuracy, List<LayerImpact> layers, int evaluations,
                                List<String> leftOut, double seconds) {

    /** One layer: what is done to it, and the metrics with only it and with all but it compressed. */
    public record LayerImpact(String layer, String type, String compression, OutputMetrics onlyThis, OutputMetrics allButThis,
                              Optional<Double> onlyAccuracy, Optional<Double> allButAccuracy) {
    }

    public SensitivityResult {
        layers = layers.stream().sorted(Comparator.comparingDouble(l -> l.onlyThis().sqnrDb())).toList();
        leftOut = List.copyOf(leftOut);
    }

    /** The layers in order of impact, as a Tablesaw table. */
    public Table table() {
        StringColumn layer = StringColumn.create("layer");
        StringColumn type = StringColumn.create("type");
        StringColumn what = StringColumn.create("compression");
        DoubleColumn onlySqnr = DoubleColumn.create("only_sqnr_db");
        DoubleColumn onlyCos = DoubleColumn.create("only_cosine");
        DoubleColumn butSqnr = DoubleColumn.create("all_but_sqnr_db");
        DoubleColumn butCos = DoubleColumn.create("all_but_cosine");
        DoubleColumn onlyAcc = DoubleColumn.create("only_top1_acc");
        DoubleColumn butAcc = DoubleColumn.create("all_but_top1_acc");
        for (LayerImpact l : layers) {
            layer.append(l.layer());
            type.append(l.type());
            what.append(l.compression());
            onlySqnr.append(round(l.onlyThis().sqnrDb(), 2));
            onlyCos.append(round(l.onlyThis().cosineMean(), 4));
            butSqnr.append(round(l.allButThis().sqnrDb(), 2));
            butCos.append(round(l.allButThis().cosineMean(), 4));
            onlyAcc.append(l.onlyAccuracy().map(a -> round(100 * a, 2)).orElse(Double.NaN));
            butAcc.append(l.allButAccuracy().map(a -> round(100 * a, 2)).orElse(Double.NaN));
        }
        Table t = Table.create("sensitivity of " + model, layer, type, what, onlySqnr, onlyCos, butSqnr, butCos);
        if (floatAccuracy.isPresent()) {
            t.addColumns(onlyAcc, butAcc);
        }
        return t;
    }

    /** A few lines: everything compressed, the most sensitive layers, what it cost. */
    public String summary() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "all %d layers compressed: %s%n", layers.size(), all.brief()));
        floatAccuracy.ifPresent(f -> s.append(String.format(Locale.ROOT, "top-1 accuracy: float %.2f%%, all compressed %.2f%%%n",
                100 * f, 100 * allAccuracy.orElse(Double.NaN))));
        s.append("most sensitive (only this layer compressed): ");
        for (int i = 0; i < Math.min(3, layers.size()); i++) {
            s.append(i == 0 ? "" : ", ").append(layers.get(i).layer())
                    .append(String.format(Locale.ROOT, " %.1f dB", layers.get(i).onlyThis().sqnrDb()));
        }
        s.append(String.format(Locale.ROOT, "%n%d evaluations of %d samples in %.1f s%n", evaluations, samples, seconds));
        return s.toString();
    }

    /** {@code sensitivity.json}. */
    public String toJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode().put("model", model).put("mode", mode).put("samples", samples)
                .put("evaluations", evaluations).put("seconds", seconds);
        metrics(root.putObject("all"), all);
        allAccuracy.ifPresent(a -> root.put("all_top1_accuracy", a));
        floatAccuracy.ifPresent(a -> root.put("float_top1_accuracy", a));
        var array = root.putArray("layers");
        for (LayerImpact l : layers) {
            ObjectNode o = array.addObject().put("layer", l.layer()).put("type", l.type()).put("compression", l.compression());
            metrics(o.putObject("only_this"), l.onlyThis());
            metrics(o.putObject("all_but_this"), l.allButThis());
            l.onlyAccuracy().ifPresent(a -> o.put("only_this_top1_accuracy", a));
            l.allButAccuracy().ifPresent(a -> o.put("all_but_this_top1_accuracy", a));
        }
        var left = root.putArray("not_switchable");
        leftOut.forEach(left::add);
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void metrics(ObjectNode o, OutputMetrics m) {
        put(o, "sqnr_db", m.sqnrDb());
        put(o, "cosine_mean", m.cosineMean());
        put(o, "cosine_min", m.cosineMin());
        put(o, "max_abs_err", m.maxAbsErr());
        if (m.top1Agreement().isPresent()) {
            o.put("top1_agreement", m.top1Agreement().getAsDouble());
        } else {
            o.putNull("top1_agreement");
        }
    }

    private static void put(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    private static double round(double v, int digits) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
