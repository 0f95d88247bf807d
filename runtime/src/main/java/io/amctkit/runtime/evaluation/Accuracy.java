package io.amctkit.runtime.evaluation;

import java.util.Locale;
import java.util.OptionalDouble;

/** Top-1 accuracy on labelled evaluation samples of the float, fake-quant and (when filters were pruned) pruned models. */
public record Accuracy(double floatModel, OptionalDouble fakeQuant, OptionalDouble pruned, int samples) {

    /** e.g. "model: top-1 accuracy float 91.2%, fake-quant 90.8%, pruned 88.0% (10000 labelled samples)". */
    public String line() {
        return String.format(Locale.ROOT, "model: top-1 accuracy float %.2f%%", 100 * floatModel)
                + (fakeQuant.isPresent() ? String.format(Locale.ROOT, ", fake-quant %.2f%%", 100 * fakeQuant.getAsDouble()) : "")
                + (pruned.isPresent() ? String.format(Locale.ROOT, ", pruned %.2f%%", 100 * pruned.getAsDouble()) : "")
                + " (" + samples + " labelled samples)";
    }
}
