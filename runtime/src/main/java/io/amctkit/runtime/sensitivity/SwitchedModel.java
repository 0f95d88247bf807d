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
import io.amctkit.runtime.session.SessionResult;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A session's switchable model ({@link SwitchableExport}) open in ONNX Runtime with its evaluation samples loaded
 * (stacked into batches when the model's batch axis is free) and the float model's outputs computed once: each
 * {@link #evaluate} is then one pass over the samples with some layers compressed. Used by sensitivity analyses and
 * by tuning's search.
 */
public final class SwitchedModel implements AutoCloseable {

    /** Samples stacked per run: enough to keep ONNX Runtime's threads busy, few enough to bound its activations. */
    static final int BATCH = 64;

    /** One evaluation's metrics on the main output, and top-1 accuracy with labels. */
    public record Measure(OutputMetrics metrics, Optional<Double> accuracy) {
    }

    /** The main output of every batch, split into one array per sample, and each batch's per-sample shape. */
    private record Outputs(List<float[][]> batches, List<long[]> shapes) {
    }

    private final OrtEnvironment env;
    private final OrtSession session;
    private final List<Map<String, OnnxTensor>> batches;
    private final SwitchableExport.Result switchable;
    private final Optional<long[]> labels;
    private final Outputs reference;
    private final int samples;

    private SwitchedModel(OrtEnvironment env, OrtSession session, List<Map<String, OnnxTensor>> batches,
                          SwitchableExport.Result switchable, Optional<long[]> labels) throws OrtException {
        this.env = env;
        this.session = session;
        this.batches = batches;
        this.switchable = switchable;
        this.labels = labels;
        this.samples = (int) batches.stream().mapToLong(SwitchedModel::batchSize).sum();
        if (labels.isPresent() && labels.get().length != samples) {
            throw new InvalidInputException("the labels file has " + labels.get().length + " labels for " + samples
                    + " evaluation samples; give one label per sample", false);
        }
        this.reference = run(new float[switchable.layers().size()]);
    }

    /** Builds and opens the switchable model of {@code session}, on {@code samples} samples from {@code source}. */
    public static SwitchedModel open(OnnxModel model, SessionResult session, SampleSource source, int samples,
                                     Optional<long[]> labels, int threads) {
        SwitchableExport.Result switchable = SwitchableExport.of(model, session);
        if (switchable.layers().isEmpty()) {
            throw new InvalidInputException("the config compresses no layer of " + model.source().getFileName()
                    + " that can be switched" + (switchable.leftOut().isEmpty() ? "" : ": " + switchable.leftOut()), false);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession s = null;
        List<Map<String, OnnxTensor>> batches = List.of();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(Math.max(1, threads));
            s = env.createSession(switchable.model().toByteArray(), so);
            batches = batches(s, env, source, samples);
            return new SwitchedModel(env, s, batches, switchable, labels);
        } catch (OrtException | RuntimeException e) {
            batches.forEach(m -> m.values().forEach(OnnxTensor::close));
            if (s != null) {
                try {
                    s.close();
                } catch (OrtException ignored) {
                    // already failing: the first error is the one to report
                }
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new InvalidInputException("ONNX Runtime cannot run the switchable model: " + e.getMessage(), false);
        }
    }

    /** The switchable layers, in switch order. */
    public List<String> layers() {
        return switchable.layers();
    }

    /** Compressed layers that cannot be switched (they stay float in every evaluation), with why. */
    public List<String> leftOut() {
        return switchable.leftOut();
    }

    public int samples() {
        return samples;
    }

    /** The float model's top-1 accuracy, with labels. */
    public Optional<Double> floatAccuracy() {
        return labels.map(l -> accuracy(reference, l));
    }

    /** The switch vector with {@code on} compressed (by name) and every other layer float. */
    public static float[] switches(int n, Set<String> on, List<String> layers) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = on.contains(layers.get(i)) ? 1 : 0;
        }
        return s;
    }

    /** Every switch on: all {@code n} layers compressed. */
    public static float[] allOn(int n) {
        float[] s = new float[n];
        Arrays.fill(s, 1);
        return s;
    }

    /** One pass over the samples with these switches (1 compressed, 0 float), measured against the float model. */
    public Measure evaluate(float[] switches) {
        try {
            Outputs got = run(switches);
            MetricAccumulator acc = new MetricAccumulator(session.getOutputNames().iterator().next());
            for (int b = 0; b < got.batches().size(); b++) {
                float[][] g = got.batches().get(b);
                float[][] r = reference.batches().get(b);
                for (int k = 0; k < g.length; k++) {
                    acc.add(r[k], g[k], got.shapes().get(b));
                }
            }
            return new Measure(acc.result(), labels.map(l -> accuracy(got, l)));
        } catch (OrtException e) {
            throw new InvalidInputException("ONNX Runtime cannot run the switchable model: " + e.getMessage(), false);
        }
    }

    private static double accuracy(Outputs outputs, long[] labels) {
        int i = 0;
        int correct = 0;
        for (float[][] batch : outputs.batches()) {
            for (float[] sample : batch) {
                correct += MetricAccumulator.argmax(sample, 0, sample.length) == labels[i++] ? 1 : 0;
            }
        }
        return (double) correct / labels.length;
    }

    private Outputs run(float[] switches) throws OrtException {
        List<float[][]> out = new ArrayList<>();
        List<long[]> sampleShapes = new ArrayList<>();
        try (OnnxTensor sw = OnnxTensor.createTensor(env, FloatBuffer.wrap(switches), new long[]{switches.length})) {
            for (Map<String, OnnxTensor> batch : batches) {
                Map<String, OnnxTensor> in = new LinkedHashMap<>(batch);
                in.put(SwitchableExport.SWITCHES, sw);
                try (OrtSession.Result r = session.run(in)) {
                    OnnxValue v = r.get(0);
                    if (!(v instanceof OnnxTensor t) || t.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
                        throw new InvalidInputException("the model's first output is not a float tensor; it is what is compared", false);
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

    /** The evaluation samples, stacked into batches when every model input has a free first axis, else one per run. */
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
        for (Map.Entry<String, NodeInfo> in : modelInputs.entrySet()) {
            if (in.getValue().getInfo() instanceof TensorInfo t && (t.getShape().length == 0 || t.getShape()[0] != -1)) {
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

    @Override
    public void close() {
        batches.forEach(m -> m.values().forEach(OnnxTensor::close));
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not release the switchable model: " + e.getMessage(), e);
        }
    }
}
