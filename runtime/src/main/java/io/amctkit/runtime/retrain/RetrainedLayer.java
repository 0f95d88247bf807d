package io.amctkit.runtime.retrain;

import java.util.List;
import java.util.Optional;

/**
 * What retraining did to one layer: retrained (clips, bias and rounding learned), refitted (a consumer of pruned
 * channels, solved in closed form), or kept as calibrated with why; its reconstruction error (mean squared, on the
 * rows it trained on) before and after, the clip range before and after, and the loss of every step.
 */
public record RetrainedLayer(String name, String type, Status status, String detail, double lossBefore, double lossAfter,
                             Optional<RetrainedConfig.Clip> clipBefore, Optional<RetrainedConfig.Clip> clipAfter,
                             List<Double> curve, double seconds) {

    /** What happened to the layer. */
    public enum Status { RETRAINED, REFITTED, KEPT }

    public RetrainedLayer {
        curve = List.copyOf(curve);
    }

    static RetrainedLayer kept(String name, String type, String why) {
        return new RetrainedLayer(name, type, Status.KEPT, why, Double.NaN, Double.NaN, Optional.empty(), Optional.empty(), List.of(), 0);
    }

    static RetrainedLayer notImproved(String name, String type, double loss, RetrainedConfig.Clip clip, List<Double> curve,
                                      double seconds) {
        return new RetrainedLayer(name, type, Status.KEPT, "retraining did not lower its error: calibrated state kept", loss, loss,
                Optional.of(clip), Optional.of(clip), curve, seconds);
    }

    static RetrainedLayer refitted(String name, String type, double before, double after) {
        return new RetrainedLayer(name, type, Status.REFITTED, "consumer of pruned channels: least-squares refit", before, after,
                Optional.empty(), Optional.empty(), List.of(), 0);
    }

    static RetrainedLayer retrained(String name, String type, double before, double after, RetrainedConfig.Clip clip0,
                                    RetrainedConfig.Clip clip1, List<Double> curve, double seconds, String note) {
        return new RetrainedLayer(name, type, Status.RETRAINED, note, before, after, Optional.of(clip0), Optional.of(clip1), curve, seconds);
    }

    /** Error after / before in dB (negative: lower), NaN when not measured. */
    public double gainDb() {
        return lossBefore > 0 && lossAfter > 0 ? 10 * Math.log10(lossAfter / lossBefore) : Double.NaN;
    }

    /** One line for a terminal: name, what happened, error before → after. */
    public String line() {
        return switch (status) {
            case KEPT -> Double.isNaN(lossBefore) ? String.format(java.util.Locale.ROOT, "%s (%s): kept as calibrated: %s", name, type, detail)
                    : String.format(java.util.Locale.ROOT, "%s (%s): MSE %.3g, %s", name, type, lossBefore, detail);
            case REFITTED -> String.format(java.util.Locale.ROOT, "%s (%s): refitted, MSE %.3g -> %.3g (%.1f dB)", name, type,
                    lossBefore, lossAfter, gainDb());
            case RETRAINED -> String.format(java.util.Locale.ROOT, "%s (%s): MSE %.3g -> %.3g (%.1f dB), clip [%.4g, %.4g] -> [%.4g, %.4g]",
                    name, type, lossBefore, lossAfter, gainDb(), clipBefore.get().min(), clipBefore.get().max(), clipAfter.get().min(),
                    clipAfter.get().max());
        };
    }
}
