package io.amctkit.runtime.evaluation;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.amctkit.runtime.InvalidInputException;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.session.SessionResult;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Runs the float model and its compressed variants (fake-quant, pruned) side by side in ONNX Runtime on the same
 * evaluation samples, one sample at a time, and measures how far each variant's outputs move ({@link OutputMetrics})
 * and, with labels, each model's top-1 accuracy.
 */
public final class ModelEvaluator {

    /**
     * Where the samples come from, how many at most, optional labels (one per sample), and ONNX Runtime's threads.
     */
    public record Options(SampleSource source, int maxSamples, Optional<long[]> labels, int threads) {
    }

    private ModelEvaluator() {
    }

    /**
     * Evaluates what the session's config does to the model: its fake-quant model (when layers are quantized) and its
     * pruned model (when AMCT prunes filters) against the float model. Empty when there is nothing to compare.
     */
    public static Optional<Evaluation> evaluate(OnnxModel model, SessionResult session, String mode, Options options) {
        return evaluate(model, session, io.amctkit.runtime.export.Exports.of(model, session), mode, options);
    }

    /** The same, on exports already built (so that a report writes the very models it evaluated). */
    public static Optional<Evaluation> evaluate(OnnxModel model, SessionResult session, io.amctkit.runtime.export.Exports exports,
                                                String mode, Options options) {
        Optional<ModelProto> fq = exports.fakeQuantModel();
        Optional<ModelProto> pruned = exports.prunedModel();
        if (fq.isEmpty() && pruned.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(evaluate(model, session, mode, fq, pruned, options));
    }

    /** Evaluates a session's exports; {@code mode} is the AMCT entry point's name for the summary. */
    public static Evaluation evaluate(OnnxModel model, SessionResult session, String mode, Optional<ModelProto> fakeQuant,
                                      Optional<ModelProto> pruned, Options options) {
        Map<String, ModelProto> variants = new LinkedHashMap<>();
        fakeQuant.ifPresent(m -> variants.put("fake-quant", m));
        pruned.ifPresent(m -> variants.put("pruned", m));
        Measured m = measure(model.proto(), variants, options);
        Optional<Accuracy> accuracy = m.accuracy();
        return Evaluation.of(session, mode, m.samples, Optional.ofNullable(m.comparisons.get("fake-quant")),
                Optional.ofNullable(m.comparisons.get("pruned")), accuracy);
    }

    /** What one pass over the samples measured. */
    record Measured(int samples, Map<String, ModelComparison> comparisons, Optional<Double> floatAccuracy,
                    Map<String, Double> variantAccuracy) {
        Optional<Accuracy> accuracy() {
            return floatAccuracy.map(f -> new Accuracy(f, opt(variantAccuracy.get("fake-quant")), opt(variantAccuracy.get("pruned")),
                    samples));
        }

        private static OptionalDouble opt(Double v) {
            return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
        }
    }

    /** Runs {@code reference} and each variant on the same samples. */
    static Measured measure(ModelProto reference, Map<String, ModelProto> variants, Options options) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<OrtSession> opened = new ArrayList<>();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(Math.max(1, options.threads()));
            OrtSession floatSession = env.createSession(reference.toByteArray(), so);
            opened.add(floatSession);
            Map<String, OrtSession> sessions = new LinkedHashMap<>();
            for (Map.Entry<String, ModelProto> v : variants.entrySet()) {
                OrtSession s = env.createSession(v.getValue().toByteArray(), so);
                opened.add(s);
                sessions.put(v.getKey(), s);
            }
            Map<String, Map<String, MetricAccumulator>> acc = new LinkedHashMap<>();
            sessions.keySet().forEach(k -> acc.put(k, new LinkedHashMap<>()));
            long[] labels = options.labels().orElse(null);
            long floatCorrect = 0;
            Map<String, Long> correct = new LinkedHashMap<>();
            sessions.keySet().forEach(k -> correct.put(k, 0L));
            SampleSource.Generator gen = options.source().open(floatSession, env);
            int n = 0;
            while (n < options.maxSamples()) {
                Map<String, OnnxTensor> x = gen.next();
                if (x == null) {
                    break;
                }
                try {
                    Map<String, Output> ref = run(floatSession, x);
                    if (labels != null) {
                        if (n >= labels.length) {
                            throw new InvalidInputException("the labels file has " + labels.length + " labels but there are more"
                                    + " evaluation samples; give one label per sample", false);
                        }
                        floatCorrect += predicted(ref) == labels[n] ? 1 : 0;
                    }
                    for (Map.Entry<String, OrtSession> v : sessions.entrySet()) {
                        Map<String, Output> got = run(v.getValue(), x);
                        for (Map.Entry<String, Output> o : ref.entrySet()) {
                            Output g = got.get(o.getKey());
                            if (g != null) {
                                acc.get(v.getKey()).computeIfAbsent(o.getKey(), MetricAccumulator::new).add(o.getValue().values, g.values, o.getValue().shape);
                            }
                        }
                        if (labels != null) {
                            correct.merge(v.getKey(), predicted(got) == labels[n] ? 1L : 0L, Long::sum);
                        }
                    }
                } finally {
                    x.values().forEach(OnnxTensor::close);
                }
                n++;
            }
            if (n == 0) {
                throw new InvalidInputException("no evaluation samples: the inputs file is empty", false);
            }
            if (labels != null && labels.length != n) {
                throw new InvalidInputException("the labels file has " + labels.length + " labels for " + n
                        + " evaluation samples; give one label per sample", false);
            }
            Map<String, ModelComparison> comparisons = new LinkedHashMap<>();
            for (Map.Entry<String, Map<String, MetricAccumulator>> v : acc.entrySet()) {
                comparisons.put(v.getKey(), new ModelComparison(v.getKey(), v.getValue().values().stream().map(MetricAccumulator::result).toList(), n));
            }
            Map<String, Double> variantAccuracy = new LinkedHashMap<>();
            int total = n;
            correct.forEach((k, c) -> variantAccuracy.put(k, (double) c / total));
            return new Measured(n, comparisons, labels == null ? Optional.empty() : Optional.of((double) floatCorrect / n),
                    labels == null ? Map.of() : variantAccuracy);
        } catch (OrtException e) {
            throw new InvalidInputException("ONNX Runtime cannot evaluate the model: " + e.getMessage(), false);
        } finally {
            for (OrtSession s : opened) {
                try {
                    s.close();
                } catch (OrtException ignored) {
                    // closing a session that failed to run: nothing more to release
                }
            }
        }
    }

    /** One float output of one sample. */
    record Output(float[] values, long[] shape) {
    }

    static Map<String, Output> run(OrtSession session, Map<String, OnnxTensor> x) throws OrtException {
        Map<String, Output> out = new LinkedHashMap<>();
        try (OrtSession.Result r = session.run(x)) {
            for (Map.Entry<String, OnnxValue> e : r) {
                if (e.getValue() instanceof OnnxTensor t && t.getInfo().type == ai.onnxruntime.OnnxJavaType.FLOAT) {
                    FloatBuffer b = t.getFloatBuffer();
                    float[] v = new float[b.remaining()];
                    b.get(v);
                    out.put(e.getKey(), new Output(v, t.getInfo().getShape()));
                }
            }
        }
        return out;
    }

    /** The predicted class: the arg-max of the first output holding one class-score vector per sample. */
    static int predicted(Map<String, Output> outputs) {
        for (Output o : outputs.values()) {
            long last = o.shape.length == 0 ? 1 : o.shape[o.shape.length - 1];
            if (last > 1 && o.values.length == last) {
                return MetricAccumulator.argmax(o.values, 0, (int) last);
            }
        }
        throw new InvalidInputException("labels need a model output with one class-score vector per sample (shape [1, C]);"
                + " this model has none", false);
    }
}
