package io.amctkit.runtime.retrain;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.amctkit.runtime.InvalidInputException;
import io.amctkit.runtime.calibration.CalibrationTaps;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.onnx.proto.ModelProto;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Intermediate tensors of a model, observed by running it in ONNX Runtime on the samples: what a layer reads in the
 * model compressed so far, and what the float model's layer computes.
 */
final class Captures {

    /** One tensor on every sample, and its per-sample shape. */
    record Capture(List<float[]> values, long[] shape) {
    }

    private Captures() {
    }

    /** {@code tensors} of {@code model} on the first {@code samples} samples of {@code source}, one pass. */
    static Map<String, Capture> of(ModelProto model, Set<String> tensors, SampleSource source, int samples, int threads) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, List<float[]>> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach(t -> values.put(t, new ArrayList<>()));
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, threads));
            try (OrtSession s = env.createSession(CalibrationTaps.upTo(model, tensors).toByteArray(), options)) {
                SampleSource.Generator gen = source.open(s, env);
                for (int i = 0; i < samples; i++) {
                    Map<String, OnnxTensor> x = gen.next();
                    if (x == null) {
                        break;
                    }
                    try (OrtSession.Result r = s.run(x, tensors)) {
                        for (String t : tensors) {
                            OnnxValue v = r.get(t).orElseThrow();
                            if (!(v instanceof OnnxTensor ot) || ot.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
                                throw new InvalidInputException("tensor " + t + " is not float32; it cannot be retrained on", false);
                            }
                            FloatBuffer f = ot.getFloatBuffer();
                            float[] data = new float[f.remaining()];
                            f.get(data);
                            values.get(t).add(data);
                            shapes.put(t, ot.getInfo().getShape());
                        }
                    } finally {
                        x.values().forEach(OnnxTensor::close);
                    }
                }
            }
        } catch (OrtException e) {
            throw new InvalidInputException("ONNX Runtime cannot run the model to capture layer inputs: " + e.getMessage(), false);
        }
        Map<String, Capture> out = new LinkedHashMap<>();
        values.forEach((t, v) -> out.put(t, new Capture(v, shapes.getOrDefault(t, new long[0]))));
        return out;
    }
}
