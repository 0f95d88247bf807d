package io.amctkit.runtime.calibration;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.amctkit.dsl.resolve.LayerPlan;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.Ifmr;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.Tensors;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.runtime.model.ModelException;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.GraphProto;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Activation calibration as AMCT's QAT starts it: the model runs in ONNX Runtime on sample inputs, each quantized
 * layer's input is captured, IFMR initialises the clip range from the first {@code batch_num} batches (one sample is
 * one batch) where the config gives none, and ULQ with the resulting clips gives each layer's activation
 * quantization error over all samples.
 */
public final class Calibration {

    /**
     * Per layer: the clip range used, whether IFMR chose it, the activation SQNR and saturation over all samples, and
     * the share of activation values the saved models quantize to another level than training does (the deploy
     * model's AscendQuant multiplies by 1/scale_d; the fake-quant ONNX model also rounds before adding the offset).
     */
    public record LayerActivation(String layer, float clipMax, float clipMin, float scale, int offset, int bits,
                                  boolean fromIfmr, double sqnrDb, double saturation, double deployMismatch,
                                  double fakeQuantMismatch) {

        /** The clip range as tables show it, e.g. "[-4.152, 4.119] IFMR". */
        public String clipText() {
            return String.format(java.util.Locale.ROOT, "[%.4g, %.4g]%s", clipMin, clipMax, fromIfmr ? " IFMR" : "");
        }
    }

    /** Per layer results, and what could not be observed. */
    public record Result(Map<String, LayerActivation> layers, int samples, List<String> notes) {
    }

    private Calibration() {
    }

    /**
     * The session with its activations calibrated, when that applies: an ONNX model, a config AMCT accepts with
     * quantized layers, and {@code samples} &gt; 0. Samples come from {@code inputs} (see {@link FileSamples}) or are
     * generated with {@code seed} (token ids below the model's vocabulary, {@link #vocabulary}).
     */
    public static io.amctkit.runtime.session.SessionResult calibrate(io.amctkit.runtime.model.Model model,
            io.amctkit.runtime.session.SessionResult result, Optional<java.nio.file.Path> inputs, int samples, long seed,
            Kernels kernels) {
        if (!(model instanceof OnnxModel onnx) || !result.accepted() || samples <= 0
                || result.layers().stream().noneMatch(io.amctkit.runtime.session.LayerReport::quantized)) {
            return result;
        }
        return result.withCalibration(run(onnx, result.resolution(), source(onnx, inputs, seed), samples, kernels));
    }

    /** Calibration samples: the user's file (see {@link FileSamples}), else generated with {@code seed}. */
    public static SampleSource source(OnnxModel model, Optional<java.nio.file.Path> inputs, long seed) {
        return inputs.isPresent() ? FileSamples.source(inputs.get()) : SampleSource.generated(vocabulary(model), seed);
    }

    /** Calibrates the quantized layers of {@code model} under {@code resolution} on {@code samples} inputs from {@code source}. */
    public static Result run(OnnxModel model, Resolution resolution, SampleSource source, int samples, Kernels kernels) {
        Map<String, String> tensorOf = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        for (ModelLayer layer : model.layers()) {
            Optional<QuantPlan> q = resolution.plan(layer.name()).flatMap(LayerPlan::quant).filter(QuantPlan::enabled);
            if (q.isEmpty()) {
                continue;
            }
            Optional<String> tensor = model.observableInput(layer.name());
            if (tensor.isPresent()) {
                tensorOf.put(layer.name(), tensor.get());
            } else {
                notes.add(layer.name() + ": its input lies inside an If/Loop body and cannot be observed; not calibrated");
            }
        }
        if (tensorOf.isEmpty()) {
            return new Result(Map.of(), 0, notes);
        }
        Set<String> tensors = new LinkedHashSet<>(tensorOf.values());
        int batchNum = (int) Math.max(1, Math.min(Integer.MAX_VALUE, resolution.batchNum().orElse(1L)));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        // the first batch_num samples are kept for IFMR; later samples are measured and dropped at once
        Map<String, List<float[]>> firstBatches = new HashMap<>();
        Map<String, Clip> clips = null;
        Map<String, double[]> sums = new LinkedHashMap<>();   // layer -> {signal, noise, saturated, count, deploy, fq}
        int used = 0;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            try (OrtSession session = env.createSession(CalibrationTaps.withOutputs(model.proto(), tensors).toByteArray(), options)) {
                SampleSource.Generator inputs = source.open(session, env);
                for (int s = 0; s < samples; s++) {
                    Map<String, OnnxTensor> sample = inputs.next();
                    if (sample == null) {
                        notes.add("the sample file holds " + s + " samples; calibrated on those");
                        break;
                    }
                    used++;
                    Map<String, float[]> values = new HashMap<>();
                    try (OrtSession.Result out = session.run(sample, tensors)) {
                        for (String t : tensors) {
                            Optional<OnnxValue> v = out.get(t);
                            if (v.isPresent() && v.get() instanceof OnnxTensor ot) {
                                FloatBuffer fb = ot.getFloatBuffer();
                                float[] data = new float[fb.remaining()];
                                fb.get(data);
                                values.put(t, data);
                            }
                        }
                    } finally {
                        sample.values().forEach(OnnxTensor::close);
                    }
                    if (clips == null) {
                        values.forEach((t, data) -> firstBatches.computeIfAbsent(t, k -> new ArrayList<>()).add(data));
                        if (used == batchNum) {
                            clips = clips(model, resolution, tensorOf, firstBatches, notes);
                            measureAll(clips, firstBatches, sums, kernels);
                            firstBatches.clear();
                        }
                    } else {
                        Map<String, List<float[]>> one = new HashMap<>();
                        values.forEach((t, data) -> one.put(t, List.of(data)));
                        measureAll(clips, one, sums, kernels);
                    }
                }
            }
        } catch (OrtException e) {
            throw new ModelException(model.source(), "ONNX Runtime cannot run the model for calibration: " + e.getMessage());
        }
        if (clips == null) {   // fewer samples than batch_num: IFMR on what there is
            clips = clips(model, resolution, tensorOf, firstBatches, notes);
            measureAll(clips, firstBatches, sums, kernels);
        }
        Map<String, LayerActivation> results = new LinkedHashMap<>();
        for (Clip c : clips.values()) {
            double[] sum = sums.get(c.layer());
            double sqnr = sum[1] == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(sum[0] / sum[1]);
            double n = Math.max(1, sum[3]);
            results.put(c.layer(), new LayerActivation(c.layer(), c.clipMax(), c.clipMin(), c.scale(), c.offset(), c.bits(),
                    c.fromIfmr(), sqnr, sum[2] / n, sum[4] / n, sum[5] / n));
        }
        return new Result(results, used, notes);
    }

    /** A layer's clip range for the measurement: its tensor, the range, and ULQ's factors on it. */
    private record Clip(String layer, String tensor, float clipMax, float clipMin, boolean fixedMin, float scale, int offset,
                        int bits, boolean fromIfmr) {
    }

    /** The clip range of every observed layer: IFMR on the first batches where the config gives none. */
    private static Map<String, Clip> clips(OnnxModel model, Resolution resolution, Map<String, String> tensorOf,
                                           Map<String, List<float[]>> batches, List<String> notes) {
        Map<String, Clip> out = new LinkedHashMap<>();
        Map<String, Ifmr.Result> ifmrByTensorAndBits = new HashMap<>();
        for (Map.Entry<String, String> e : tensorOf.entrySet()) {
            String layer = e.getKey();
            List<float[]> data = batches.get(e.getValue());
            if (data == null) {
                notes.add(layer + ": ONNX Runtime returned no float tensor for its input " + e.getValue() + "; not calibrated");
                continue;
            }
            QuantPlan q = resolution.plan(layer).flatMap(LayerPlan::quant).orElseThrow();
            int bits = q.activationBits();
            boolean fromIfmr = q.ifmrInit();
            float clipMax;
            float clipMin;
            if (fromIfmr) {
                Ifmr.Result r = ifmrByTensorAndBits.computeIfAbsent(e.getValue() + "@" + bits,
                        k -> Ifmr.run(concat(data), Ifmr.Params.qatDefaults(bits)));
                clipMax = r.clipMax();
                clipMin = r.clipMin();
            } else {
                clipMax = q.clipMax().get();
                clipMin = q.clipMin().get();
            }
            boolean fixedMin = q.fixedMin().orElse(model.layer(layer).flatMap(ModelLayer::reluInput).orElse(false));
            io.amctkit.kernels.ScaleOffset f = UlqActivation.factors(ClipState.of(clipMax, clipMin), bits, fixedMin);
            out.put(layer, new Clip(layer, e.getValue(), clipMax, clipMin, fixedMin, f.scale(0), f.offset(0), bits, fromIfmr));
        }
        return out;
    }

    /** Adds each layer's activation error on {@code batches} (ULQ with the layer's clip range) to {@code sums}. */
    private static void measureAll(Map<String, Clip> clips, Map<String, List<float[]>> batches, Map<String, double[]> sums,
                                   Kernels kernels) {
        for (Clip c : clips.values()) {
            double[] sum = sums.computeIfAbsent(c.layer(), k -> new double[6]);
            for (float[] x : batches.getOrDefault(c.tensor(), List.of())) {
                INDArray in = Nd4j.create(x, new long[]{x.length}, 'c');
                UlqActivation.Forward f = kernels.ulqForward(in, ClipState.of(c.clipMax(), c.clipMin()), c.bits(), c.fixedMin());
                double[] e = sums(x, Tensors.floats(f.output()), f.scale(), f.offset(), c.bits());
                for (int i = 0; i < 4; i++) {
                    sum[i] += e[i];
                }
                long[] mismatches = io.amctkit.kernels.DeployQuant.mismatches(x, c.scale(), c.offset(), c.bits());
                sum[4] += mismatches[0];
                sum[5] += mismatches[1];
                f.output().close();
                in.close();
            }
        }
    }

    /** {signal energy, noise energy, values on the extreme levels, values} of one batch. */
    private static double[] sums(float[] x, FloatBuffer q, float scale, int offset, int bits) {
        double signal = 0;
        double noise = 0;
        long saturated = 0;
        float lo = (-(1 << (bits - 1)) - offset) * scale;
        float hi = ((1 << (bits - 1)) - 1 - offset) * scale;
        for (int i = 0; i < x.length; i++) {
            double e = (double) x[i] - q.get(i);
            signal += (double) x[i] * x[i];
            noise += e * e;
            if (q.get(i) <= lo || q.get(i) >= hi) {
                saturated++;
            }
        }
        return new double[]{signal, noise, saturated, x.length};
    }

    private static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /**
     * The row count of the largest embedding table a graph input indexes (a Gather on an initializer: the token table,
     * not the 2-row token-type table, whose input the generator fills with 0), else 30000.
     */
    public static long vocabulary(OnnxModel model) {
        GraphProto g = model.proto().getGraph();
        Set<String> inputs = new java.util.HashSet<>();
        g.getInputList().forEach(v -> inputs.add(v.getName()));
        Map<String, Long> rows = new HashMap<>();
        g.getInitializerList().forEach(t -> {
            if (t.getDimsCount() == 2) {
                rows.put(t.getName(), t.getDims(0));
            }
        });
        long vocabulary = 0;
        for (var n : g.getNodeList()) {
            if (n.getOpType().equals("Gather") && n.getInputCount() == 2 && inputs.contains(n.getInput(1)) && rows.containsKey(n.getInput(0))) {
                vocabulary = Math.max(vocabulary, rows.get(n.getInput(0)));
            }
        }
        return vocabulary == 0 ? 30000 : vocabulary;
    }
}
