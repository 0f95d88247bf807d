package io.amctkit.runtime.tuning;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.Layer;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.evaluation.Evaluation;
import io.amctkit.runtime.evaluation.ModelComparison;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.sensitivity.SwitchedModel;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds, from a user's config, one that meets a model-level target with the least loss of compression: the layers
 * are ranked by what they cost alone (one switchable-model evaluation each), a binary search on the switchable model
 * finds how many of the most costly must stay uncompressed, and the config that keeps them so — written only with
 * AMCT's own fields, checked by AMCT's rules — is confirmed by a full evaluation (session, calibration, exports), up to
 * three times with one more layer each. The figure claimed is the confirmed one.
 */
public final class Tuner {

    /** Runs a config through the whole pipeline: session, calibration, exports, evaluation. */
    @FunctionalInterface
    public interface Pipeline {
        Candidate evaluate(RetrainConfig config);
    }

    /** A config evaluated: its session and model-level evaluation. */
    public record Candidate(RetrainConfig config, SessionResult session, Evaluation evaluation) {
    }

    /** Told as the search goes. */
    @FunctionalInterface
    public interface Progress {
        void step(String what);

        Progress NONE = what -> { };
    }

    /** The samples the target is measured on (the same for the search and the confirmation), and threads. */
    public record Options(Target target, SampleSource source, int samples, Optional<long[]> labels, int threads, boolean allowInt4) {
    }

    private Tuner() {
    }

    public static TuneResult tune(OnnxModel model, RetrainConfig config, Mode mode, Pipeline pipeline, Options o, Progress progress) {
        List<Layer> layers = model.layers().stream().map(ModelLayer::toLayer).toList();
        progress.step("evaluating the original config");
        Candidate original = pipeline.evaluate(config);
        int full = 1;
        boolean metAlready = o.target().met(original.evaluation());
        if (metAlready && !o.allowInt4()) {
            return new TuneResult(o.target(), original, original, List.of(), List.of(), List.of(), 0, 0, full, true);
        }
        List<String> ranked;
        int switchedEvaluations;
        int searchEvaluations = 0;
        int k;
        try (SwitchedModel switched = SwitchedModel.open(model, original.session(), o.source(), o.samples(), o.labels(), o.threads())) {
            List<String> names = switched.layers();
            int n = names.size();
            List<double[]> cost = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                progress.step("ranking layers: only " + names.get(i) + " (" + (i + 1) + "/" + n + ")");
                float[] only = new float[n];
                only[i] = 1;
                SwitchedModel.Measure m = switched.evaluate(only);
                cost.add(new double[]{i, o.target().score(m.metrics(), switched.floatAccuracy(), m.accuracy())});
            }
            switchedEvaluations = n;
            cost.sort(Comparator.comparingDouble(c -> c[1]));   // the worst score (most costly alone) first
            ranked = cost.stream().map(c -> names.get((int) c[0])).toList();
            // smallest k such that keeping the k most costly layers float meets the target (k = n: all float, met)
            int lo = 0;
            int hi = n;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                progress.step("searching: " + mid + " layers kept float");
                SwitchedModel.Measure m = switched.evaluate(SwitchedModel.switches(n, Set.copyOf(ranked.subList(mid, n)), names));
                searchEvaluations++;
                if (o.target().met(m.metrics(), switched.floatAccuracy(), m.accuracy())) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            k = metAlready ? 0 : lo;
        }
        Candidate best = original;
        List<String> changes = List.of();
        List<String> kept = List.of();
        boolean met = metAlready;
        Set<String> keptFloatFinal = Set.of();
        Set<String> keptUnprunedFinal = Set.of();
        for (int attempt = 0; !metAlready && attempt < 3 && k <= ranked.size(); attempt++, k++) {
            List<String> rescue = ranked.subList(0, k);
            Set<String> keepFloat = new LinkedHashSet<>();
            Set<String> keepUnpruned = new LinkedHashSet<>();
            for (String name : rescue) {
                LayerReport r = original.session().layers().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
                if (r.quantized()) {
                    keepFloat.add(name);
                }
                if (!r.pruneKind().isEmpty()) {
                    keepUnpruned.add(name);
                }
            }
            ConfigRewrite.Rewritten rewritten = ConfigRewrite.of(config, layers, mode, keepFloat, keepUnpruned);
            progress.step("confirming: " + k + " layers kept float, full evaluation");
            Candidate c = pipeline.evaluate(rewritten.config());
            full++;
            best = c;
            changes = rewritten.changes();
            kept = List.copyOf(rescue);
            keptFloatFinal = keepFloat;
            keptUnprunedFinal = keepUnpruned;
            if (o.target().met(c.evaluation())) {
                met = true;
                break;
            }
        }
        List<String> int4 = List.of();
        if (o.allowInt4() && met) {
            // the least costly quantized layers with INT8 weights and activations: how many take INT4 weights and still meet it
            List<String> tolerant = new ArrayList<>();
            for (int i = ranked.size() - 1; i >= 0; i--) {
                String name = ranked.get(i);
                LayerReport r = original.session().layers().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
                boolean int8 = best.session().resolution().plan(name).flatMap(p -> p.quant()).filter(q -> q.enabled())
                        .map(q -> q.activationType() == io.amctkit.dsl.proto.DataType.INT8 && q.weightType() == io.amctkit.dsl.proto.DataType.INT8)
                        .orElse(false);
                if (!kept.contains(name) && r.quantized() && int8) {
                    tolerant.add(name);
                }
            }
            int lo = 0;
            int hi = tolerant.size();
            while (lo < hi) {
                int mid = (lo + hi + 1) / 2;
                progress.step("INT4 weights for the " + mid + " least costly layers, full evaluation");
                Optional<Candidate> c = int4Candidate(config, layers, mode, keptFloatFinal, keptUnprunedFinal,
                        new LinkedHashSet<>(tolerant.subList(0, mid)), pipeline);
                full++;
                if (c.isPresent() && o.target().met(c.get().evaluation())) {
                    lo = mid;
                    best = c.get();
                    int4 = List.copyOf(tolerant.subList(0, mid));
                    changes = ConfigRewrite.of(config, layers, mode, keptFloatFinal, keptUnprunedFinal, new LinkedHashSet<>(int4)).changes();
                } else {
                    hi = mid - 1;
                }
            }
        }
        return new TuneResult(o.target(), original, best, kept, int4, changes, switchedEvaluations, searchEvaluations, full, met);
    }

    /** A config with INT4 weights on these layers, evaluated; empty when AMCT's config cannot express it. */
    private static Optional<Candidate> int4Candidate(RetrainConfig config, List<Layer> layers, Mode mode, Set<String> keepFloat,
                                                     Set<String> keepUnpruned, Set<String> int4, Pipeline pipeline) {
        try {
            return Optional.of(pipeline.evaluate(ConfigRewrite.of(config, layers, mode, keepFloat, keepUnpruned, int4).config()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The comparison a target is measured on: the fake-quant model, else the pruned one. */
    static Optional<ModelComparison> measured(Evaluation e) {
        return e.fakeQuant().or(e::pruned);
    }
}
