package io.amctkit.runtime.tuning;

import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.evaluation.OutputMetrics;

import java.util.Locale;
import java.util.Optional;

/** What a tuned config must reach at the model level: an output SQNR, a mean cosine, or at most an accuracy drop. */
public record Target(Kind kind, double value) {

    /** Which figure. */
    public enum Kind { SQNR_DB, COSINE, MAX_ACCURACY_DROP_PCT }

    public Target {
        if (kind == Kind.COSINE && !(value > -1 && value <= 1)) {
            throw new IllegalArgumentException("a target cosine is in (-1, 1]; got " + value);
        }
        if (kind == Kind.MAX_ACCURACY_DROP_PCT && !(value >= 0 && value <= 100)) {
            throw new IllegalArgumentException("an accuracy drop is in percentage points, 0 to 100; got " + value);
        }
    }

    /** A score where higher is better: the SQNR, the cosine, or minus the accuracy drop in points. */
    double score(OutputMetrics m, Optional<Double> floatAccuracy, Optional<Double> accuracy) {
        return switch (kind) {
            case SQNR_DB -> m.sqnrDb();
            case COSINE -> m.cosineMean();
            case MAX_ACCURACY_DROP_PCT -> -100 * (floatAccuracy.orElseThrow(Target::needsLabels) - accuracy.orElseThrow(Target::needsLabels));
        };
    }

    boolean met(OutputMetrics m, Optional<Double> floatAccuracy, Optional<Double> accuracy) {
        double s = score(m, floatAccuracy, accuracy);
        return kind == Kind.MAX_ACCURACY_DROP_PCT ? -s <= value : s >= value;
    }

    /** Whether a full evaluation meets the target (on the fake-quant model, else the pruned one). */
    public boolean met(Evaluation e) {
        OutputMetrics m = Tuner.measured(e).orElseThrow(() -> new IllegalArgumentException("nothing compressed to measure")).main();
        Optional<Double> floatAcc = e.accuracy().map(a -> a.floatModel());
        Optional<Double> acc = e.accuracy().map(a -> e.fakeQuant().isPresent() ? a.fakeQuant().orElseThrow() : a.pruned().orElseThrow());
        return met(m, floatAcc, acc);
    }

    private static IllegalArgumentException needsLabels() {
        return new IllegalArgumentException("--max-accuracy-drop needs --eval-labels");
    }

    /** e.g. "cosine >= 0.99". */
    public String describe() {
        return switch (kind) {
            case SQNR_DB -> String.format(Locale.ROOT, "output SQNR >= %.2f dB", value);
            case COSINE -> String.format(Locale.ROOT, "cosine >= %.4f", value);
            case MAX_ACCURACY_DROP_PCT -> String.format(Locale.ROOT, "top-1 accuracy drop <= %.2f points", value);
        };
    }
}
