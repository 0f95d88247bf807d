package io.amctkit.runtime.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.amctkit.runtime.session.SessionResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What a config does to the model as a whole, measured on evaluation samples: the fake-quant model and the pruned
 * model against the float model (per output), top-1 accuracy with labels, and the weights' compression. Its
 * {@link #toJson()} is {@code summary.json}.
 */
public record Evaluation(String model, String mode, int samples, Optional<ModelComparison> fakeQuant,
                        Optional<ModelComparison> pruned, Optional<Accuracy> accuracy, long paramsBefore, long paramsAfter,
                        long bitsBefore, long bitsAfter) {

    /** The comparisons and accuracy of a session's model. */
    static Evaluation of(SessionResult session, String mode, int samples, Optional<ModelComparison> fakeQuant,
                         Optional<ModelComparison> pruned, Optional<Accuracy> accuracy) {
        return new Evaluation(session.model().getFileName().toString(), mode, samples, fakeQuant, pruned, accuracy,
                session.paramsBefore(), session.paramsAfter(), session.bitsBefore(), session.bitsAfter());
    }

    /** The {@code model:} lines the terminal output starts with. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        fakeQuant.ifPresent(c -> out.add(c.line()));
        pruned.ifPresent(c -> out.add(c.line()));
        accuracy.ifPresent(a -> out.add(a.line()));
        return out;
    }

    /** {@code summary.json}: fixed keys (model, mode, samples, outputs, accuracy, compression), more allowed. */
    public String toJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode().put("model", model).put("mode", mode).put("samples", samples);
        ArrayNode outputs = root.putArray("outputs");
        List<OutputMetrics> names = fakeQuant.or(() -> pruned).map(ModelComparison::outputs).orElse(List.of());
        for (int i = 0; i < names.size(); i++) {
            ObjectNode o = outputs.addObject().put("name", names.get(i).name());
            int k = i;
            put(o, "fake_quant", fakeQuant.map(c -> c.outputs().get(k)));
            put(o, "pruned", pruned.map(c -> c.outputs().get(k)));
        }
        if (accuracy.isPresent()) {
            Accuracy a = accuracy.get();
            ObjectNode acc = root.putObject("accuracy").put("float", a.floatModel());
            number(acc, "fake_quant", a.fakeQuant());
            number(acc, "pruned", a.pruned());
            acc.put("samples", a.samples());
        } else {
            root.putNull("accuracy");
        }
        root.putObject("compression").put("params_before", paramsBefore).put("params_after", paramsAfter)
                .put("bits_before", bitsBefore).put("bits_after", bitsAfter);
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void put(ObjectNode parent, String key, Optional<OutputMetrics> m) {
        if (m.isEmpty()) {
            parent.putNull(key);
            return;
        }
        OutputMetrics x = m.get();
        ObjectNode o = parent.putObject(key);
        finite(o, "sqnr_db", x.sqnrDb());
        finite(o, "cosine_mean", x.cosineMean());
        finite(o, "cosine_min", x.cosineMin());
        finite(o, "max_abs_err", x.maxAbsErr());
        number(o, "top1_agreement", x.top1Agreement());
    }

    /** JSON has no infinity: an exact match (no noise) is written as null SQNR and said so in a key. */
    private static void finite(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
            if (v == Double.POSITIVE_INFINITY) {
                o.put(key + "_exact", true);
            }
        }
    }

    private static void number(ObjectNode o, String key, OptionalDouble v) {
        if (v.isPresent()) {
            o.put(key, v.getAsDouble());
        } else {
            o.putNull(key);
        }
    }
}
