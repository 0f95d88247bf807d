package io.amctkit.runtime.sensitivity;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.amctkit.runtime.InvalidInputException;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.evaluation.MetricAccumulator;
import io.amctkit.runtime.evaluation.OutputMetrics;
import io.amctkit.runtime.export.SwitchableExport;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which layers a config's damage comes from: for every layer the config quantizes or prunes, the model-level metrics
 * with only that layer compressed and with all but that layer compressed, next to everything compressed. One ONNX
 * Runtime session of {@link SwitchableExport} runs all 2N + 2 evaluations (float, all, and two per layer), the
 * evaluation samples batched into one run each when the model's batch axis is free.
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
        SwitchableExport.Result switchable = SwitchableExport.of(model, session);
        List<String> layers = switchable.layers();
        if (layers.isEmpty()) {
            throw new InvalidInputException("the config compresses no layer of " + model.source().getFileName()
                    + " that a sensitivity analysis can switch" + (switchable.leftOut().isEmpty() ? "" : ": " + switchable.leftOut()), false);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(Math.max(1, threads));
            try (OrtSession s = env.createSession(switchable.model().toByteArray(), so)) {
                List<Map<String, OnnxTensor>> batches = batches(s, env, source, samples);
                int n = (int) batches.stream().mapToLong(Sensitivity::batchSize).sum();
                if (labels.isPresent() && labels.get().length != n) {
                    throw new InvalidInputException("the labels file has " + labels.get().length + " labels for " + n
                            + " evaluation samples; give one label per sample", false);
                }
                try {
                    int total = 2 * layers.size() + 2;
                    int[] done = {0};
                    float[] off = new float[layers.size()];
                    Outputs reference = run(s, env, batches, off);
                    progress.evaluationDone(++done[0], total, "float");
                    Measure all = measure(s, env, batches, ones(layers.size(), -1), reference, labels);
                    progress.evaluationDone(++done[0], total, "all layers");
                    List<SensitivityResult.LayerImpact> impacts = new ArrayList<>();
                    Map<String, LayerReport> reports = new LinkedHashMap<>();
                    session.layers().forEach(r -> reports.put(r.name(), r));
                    for (int i = 0; i < layers.size(); i++) {
                        float[] only = new float[layers.size()];
                        only[i] = 1;
                        Measure o = measure(s, env, batches, only, reference, labels);
                        progress.evaluationDone(++done[0], total, "only " + layers.get(i));
                        Measure b = measure(s, env, batches, ones(layers.size(), i), reference, labels);
                        progress.evaluationDone(++done[0], total, "all but " + layers.get(i));
                        LayerReport r = reports.get(layers.get(i));
                        impacts.add(new SensitivityResult.LayerImpact(layers.get(i), r == null ? "" : r.type(), compression(r),
                                o.metrics, b.metrics, o.accuracy, b.accuracy));
                    }
                    double floatAccuracy = labels.map(l -> accuracy(reference, l)).orElse(Double.NaN);
                    return new SensitivityResult(model.source().getFileName().toString(), session.resolution().mode().label(), n,
                            all.metrics, all.accuracy, labels.isPresent() ? Optional.of(floatAccuracy) : Optional.empty(),
                            impacts, total, switchable.leftOut(), (System.nanoTime() - start) / 1e9);
                } finally {
                    batches.forEach(m -> m.values().forEach(OnnxTensor::close));
                }
            }
        } catch (OrtException e) {
            throw new InvalidInputException("ONNX Runtime cannot run the sensitivity model: " + e.getMessage(), false);
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

    private static float[] ones(int n, int except) {
        float[] s = new float[n];
        Arrays.fill(s, 1);
        if (except >= 0) {
            s[except] = 0;
        }
        return s;
    }

    /** One evaluation's metrics on the main output (and accuracy with labels). */
    private record Measure(OutputMetrics metrics, Optional<Double> accuracy) {
    }

    private static Measure measure(OrtSession s, OrtEnvironment env, List<Map<String, OnnxTensor>> batches, float[] switches,
                                   Outputs reference, Optional<long[]> labels) throws OrtException {
        Outputs got = run(s, env, batches, switches);
        MetricAccumulator acc = new MetricAccumulator(s.getOutputNames().iterator().next());
        for (int b = 0; b < got.batches().size(); b++) {
            float[][] g = got.batches().get(b);
            float[][] r = reference.batches().get(b);
            for (int k = 0; k < g.length; k++) {
                acc.add(r[k], g[k], got.shapes().get(b));
            }
        }
        return new Measure(acc.result(), labels.map(l -> accuracy(got, l)));
    }

    private static double accuracy(Outputs outputs, long[] labels) {
        int i = 0;
        int correct = 0;
        for (float[][] batch : outputs.batches()) {
            for (float[] sample : batch) {
                int best = 0;
                for (int j = 1; j < sample.length; j++) {
                    best = sample[j] > sample[best] ? j : best;
                }
                correct += best == labels[i++] ? 1 : 0;
            }
        }
        return (double) correct / labels.length;
    }

    /** The main output of every batch, split into one array per sample, and each batch's per-sample shape. */
    private record Outputs(List<float[][]> batches, List<long[]> shapes) {
    }

    /** Runs every batch with these switches. */
    private static Outputs run(OrtSession s, OrtEnvironment env, List<Map<String, OnnxTensor>> batches, float[] switches)
            throws OrtException {
        List<float[][]> out = new ArrayList<>();
        List<long[]> sampleShapes = new ArrayList<>();
        try (OnnxTensor sw = OnnxTensor.createTensor(env, FloatBuffer.wrap(switches), new long[]{switches.length})) {
            for (Map<String, OnnxTensor> batch : batches) {
                Map<String, OnnxTensor> in = new LinkedHashMap<>(batch);
                in.put(SwitchableExport.SWITCHES, sw);
                try (OrtSession.Result r = s.run(in)) {
                    OnnxValue v = r.get(0);
                    if (!(v instanceof OnnxTensor t) || t.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
                        throw new InvalidInputException("the model's first output is not a float tensor; sensitivity compares it", false);
                    }
                    long[] shape = t.getInfo().getShape();
                    int k = (int) batchSize(batch);
                    FloatBuffer f = t.getFloatBuffer();
                    int per = f.remaining() / k;
                    float[][] split = new float[k][per];
                    for (int i = 0; i < k; i++) {
                        f.get(split[i]);
                    }
                    long[] one = shape.clone();
                    if (one.length > 0) {
                        one[0] = 1;
                    }
                    sampleShapes.add(one);
                    out.add(split);
                }
            }
        }
        return new Outputs(out, sampleShapes);
    }

    private static long batchSize(Map<String, OnnxTensor> batch) {
        return batch.values().iterator().next().getInfo().getShape()[0];
    }

    /**
     * The evaluation samples, stacked into one batch when every model input has a free first axis, else one per run.
     */
    private static List<Map<String, OnnxTensor>> batches(OrtSession s, OrtEnvironment env, SampleSource source, int samples)
            throws OrtException {
        // the model's own inputs only: drawing samples for the switches too would shift every later sample
        Map<String, NodeInfo> modelInputs = new LinkedHashMap<>(s.getInputInfo());
        modelInputs.remove(SwitchableExport.SWITCHES);
        SampleSource.Generator gen = source.open(modelInputs, env);
        List<Map<String, OnnxTensor>> one = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            Map<String, OnnxTensor> x = gen.next();
            if (x == null) {
                break;
            }
            one.add(x);
        }
        if (one.isEmpty()) {
            throw new InvalidInputException("no evaluation samples: the inputs file is empty", false);
        }
        boolean free = true;
        for (Map.Entry<String, NodeInfo> in : s.getInputInfo().entrySet()) {
            if (!in.getKey().equals(SwitchableExport.SWITCHES) && in.getValue().getInfo() instanceof TensorInfo t
                    && (t.getShape().length == 0 || t.getShape()[0] != -1)) {
                free = false;
            }
        }
        if (!free || one.size() == 1) {
            return one;
        }
        List<Map<String, OnnxTensor>> out = new ArrayList<>();
        for (int from = 0; from < one.size(); from += BATCH) {
            out.add(stack(env, one.subList(from, Math.min(one.size(), from + BATCH))));
        }
        one.forEach(m -> m.values().forEach(OnnxTensor::close));
        return out;
    }

    /** Samples stacked per run: enough to keep ONNX Runtime's threads busy, few enough to bound its activations. */
    static final int BATCH = 64;

    private static Map<String, OnnxTensor> stack(OrtEnvironment env, List<Map<String, OnnxTensor>> samples) throws OrtException {
        Map<String, OnnxTensor> stacked = new LinkedHashMap<>();
        for (String name : samples.get(0).keySet()) {
            OnnxTensor first = samples.get(0).get(name);
            long[] shape = first.getInfo().getShape().clone();
            shape[0] = samples.size();
            if (first.getInfo().type == ai.onnxruntime.OnnxJavaType.FLOAT) {
                FloatBuffer all = FloatBuffer.allocate((int) Arrays.stream(shape).reduce(1, (a, b) -> a * b));
                samples.forEach(m -> all.put(m.get(name).getFloatBuffer()));
                stacked.put(name, OnnxTensor.createTensor(env, all.flip(), shape));
            } else {
                LongBuffer all = LongBuffer.allocate((int) Arrays.stream(shape).reduce(1, (a, b) -> a * b));
                samples.forEach(m -> all.put(m.get(name).getLongBuffer()));
                stacked.put(name, OnnxTensor.createTensor(env, all.flip(), shape));
            }
        }
        return stacked;
    }
}
