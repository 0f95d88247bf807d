package io.amctkit.runtime.evaluation;

import java.util.List;
import java.util.Locale;

/** A compressed model (fake-quant or pruned) against the float model: metrics per output, over {@code samples} samples. */
public record ModelComparison(String variant, List<OutputMetrics> outputs, int samples) {

    public ModelComparison {
        outputs = List.copyOf(outputs);
    }

    /** The output the one-line summary speaks of: the first (a model's main output). */
    public OutputMetrics main() {
        return outputs.get(0);
    }

    /** e.g. "model: fake-quant vs float: output SQNR 6.3 dB, cosine 0.883 (min 0.79), 16 samples". */
    public String line() {
        return String.format(Locale.ROOT, "model: %s vs float: %s%s, %d samples", variant, main().brief(),
                outputs.size() > 1 ? " (" + main().name() + "; " + (outputs.size() - 1) + " more output"
                        + (outputs.size() > 2 ? "s" : "") + " in summary.json)" : "", samples);
    }
}
