package io.amctkit.runtime.sensitivity;

import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which layers a config's damage comes from: for every layer the config quantizes or prunes, the model-level metrics
 * with only that layer compressed and with all but that layer compressed, next to everything compressed. One
 * {@link SwitchedModel} (one ONNX Runtime session) runs all 2N + 2 evaluations (float, all, and two per layer).
 */
public final class Sensitivity {

    /** Told after each evaluation, for progress bars. */
    @FunctionalInterface
    public interface Progress {
        void evaluationDone(int done, int total, String what);

        Progress NONE = (done, total, what) -> { };
    }

    private Sensitivity() {
    }

    /** Runs the analysis on {@code samples} samples from {@code source}; {@code labels} adds top-1 accuracy. */
    public static SensitivityResult run(OnnxModel model, SessionResult session, SampleSource source, int samples,
                                        Optional<long[]> labels, int threads, Progress progress) {
        long start = System.nanoTime();
        try (SwitchedModel m = SwitchedModel.open(model, session, source, samples, labels, threads)) {
            List<String> layers = m.layers();
            int total = 2 * layers.size() + 2;
            int done = 1;
            progress.evaluationDone(done, total, "float");
            SwitchedModel.Measure all = m.evaluate(SwitchedModel.allOn(layers.size()));
            progress.evaluationDone(++done, total, "all layers");
            List<SensitivityResult.LayerImpact> impacts = new ArrayList<>();
            Map<String, LayerReport> reports = new LinkedHashMap<>();
            session.layers().forEach(r -> reports.put(r.name(), r));
            for (int i = 0; i < layers.size(); i++) {
                float[] only = new float[layers.size()];
                only[i] = 1;
                SwitchedModel.Measure o = m.evaluate(only);
                progress.evaluationDone(++done, total, "only " + layers.get(i));
                float[] allBut = SwitchedModel.allOn(layers.size());
                allBut[i] = 0;
                SwitchedModel.Measure b = m.evaluate(allBut);
                progress.evaluationDone(++done, total, "all but " + layers.get(i));
                LayerReport r = reports.get(layers.get(i));
                impacts.add(new SensitivityResult.LayerImpact(layers.get(i), r == null ? "" : r.type(), compression(r),
                        o.metrics(), b.metrics(), o.accuracy(), b.accuracy()));
            }
            return new SensitivityResult(model.source().getFileName().toString(), session.resolution().mode().label(), m.samples(),
                    all.metrics(), all.accuracy(), m.floatAccuracy(), impacts, total, m.leftOut(), (System.nanoTime() - start) / 1e9);
        }
    }

    /** What a layer's compression is, in a few words: "arq INT8 per-tensor", "filter 30 %", "2:4". */
    static String compression(LayerReport r) {
        if (r == null) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        if (r.quantized()) {
            parts.add(r.weightAlgo() + " INT" + r.weightBits() + (r.channelWise() ? " per-channel" : " per-tensor"));
        }
        if (r.pruneKind().equals("filter")) {
            parts.add(String.format(java.util.Locale.ROOT, "filter %.0f%%", 100 * r.realisedSparsity()));
        } else if (r.pruneKind().equals("2:4")) {
            parts.add("2:4");
        }
        return String.join(" + ", parts);
    }

}
