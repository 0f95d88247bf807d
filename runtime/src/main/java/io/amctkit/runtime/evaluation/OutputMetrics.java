package io.amctkit.runtime.evaluation;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * How close one model output stays to the float model's over the evaluation samples: SQNR in dB over all samples
 * (10·log10 Σy² / Σ(y−ŷ)²), the mean and smallest per-sample cosine similarity, the largest absolute error, and for
 * outputs shaped like class scores (last axis &gt; 1) how often the arg-max agrees.
 */
public record OutputMetrics(String name, double sqnrDb, double cosineMean, double cosineMin, double maxAbsErr,
                            OptionalDouble top1Agreement) {

    /** e.g. "output SQNR 6.3 dB, cosine 0.883 (min 0.79)". */
    public String brief() {
        return String.format(Locale.ROOT, "output SQNR %.1f dB, cosine %.3f (min %.3f)", sqnrDb, cosineMean, cosineMin)
                + (top1Agreement.isPresent() ? String.format(Locale.ROOT, ", top-1 agreement %.1f%%", 100 * top1Agreement.getAsDouble()) : "");
    }
}
