package io.amctkit.runtime.tuning;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Locale;

/**
 * What tuning found: the original and the tuned candidate (config, session, evaluation), the layers kept
 * uncompressed in order of their cost, how the config was rewritten, how many evaluations of each kind it took, and
 * whether the target is met.
 */
public record TuneResult(Target target, Tuner.Candidate original, Tuner.Candidate tuned, List<String> keptUncompressed,
                         List<String> int4Weights, List<String> changes, int rankingEvaluations, int searchEvaluations,
                         int fullEvaluations, boolean met) {

    public TuneResult {
        keptUncompressed = List.copyOf(keptUncompressed);
        int4Weights = List.copyOf(int4Weights);
        changes = List.copyOf(changes);
    }

    /** A few lines for the terminal. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append("target: ").append(target.describe()).append('\n');
        original.evaluation().lines().forEach(l -> s.append("original ").append(l).append('\n'));
        if (keptUncompressed.isEmpty() && int4Weights.isEmpty() && tuned == original) {
            s.append(met ? "the original config meets the target: nothing to change\n" : "");
            return s.toString();
        }
        s.append(String.format(Locale.ROOT, "search: %d layers ranked by %d switchable-model evaluations, %d more to find how many"
                + " to keep uncompressed, %d full evaluation(s) to confirm%n", rankingEvaluations, rankingEvaluations,
                searchEvaluations, fullEvaluations - 1));
        if (!keptUncompressed.isEmpty()) {
            s.append("kept uncompressed (most costly first): ").append(String.join(", ", keptUncompressed)).append('\n');
        }
        if (!int4Weights.isEmpty()) {
            s.append("INT4 weights (least costly first): ").append(String.join(", ", int4Weights)).append('\n');
        }
        tuned.evaluation().lines().forEach(l -> s.append("tuned ").append(l).append('\n'));
        s.append(String.format(Locale.ROOT, "weights: %.2f MB -> %.2f MB tuned (original config: %.2f MB)%n",
                tuned.session().bitsBefore() / 8e6, tuned.session().bitsAfter() / 8e6, original.session().bitsAfter() / 8e6));
        s.append(met ? "target met\n" : "target NOT met: the best config found is written (more layers kept uncompressed"
                + " would be needed, or the target cannot be reached by keeping layers uncompressed)\n");
        return s.toString();
    }

    /** {@code tune.json}. */
    public String toJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode().put("target", target.describe()).put("met", met)
                .put("ranking_evaluations", rankingEvaluations).put("search_evaluations", searchEvaluations)
                .put("full_evaluations", fullEvaluations);
        var kept = root.putArray("kept_uncompressed");
        keptUncompressed.forEach(kept::add);
        var four = root.putArray("int4_weights");
        int4Weights.forEach(four::add);
        var ch = root.putArray("changes");
        changes.forEach(ch::add);
        try {
            root.set("original", json.readTree(original.evaluation().toJson()));
            root.set("tuned", json.readTree(tuned.evaluation().toJson()));
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
