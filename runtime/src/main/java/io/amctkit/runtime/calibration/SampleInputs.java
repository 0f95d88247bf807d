package io.amctkit.runtime.calibration;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Sample inputs generated from a model's declared inputs with a seed: free dimensions become 1 for the batch, 320 for
 * image height and width (rank-4 float inputs) and 128 otherwise; floats are standard normal; integer inputs are
 * token ids below {@code vocabulary} — except inputs named like a mask (all 1) or token types (all 0).
 */
public final class SampleInputs {

    private final Map<String, NodeInfo> inputs;
    private final long vocabulary;
    private final Random random;

    public SampleInputs(Map<String, NodeInfo> inputs, long vocabulary, long seed) {
        this.inputs = inputs;
        this.vocabulary = Math.max(2, vocabulary);
        this.random = new Random(seed);
    }

    /** The next sample: one tensor per input. The caller closes them. */
    public Map<String, OnnxTensor> next(OrtEnvironment env) throws OrtException {
        Map<String, OnnxTensor> sample = new LinkedHashMap<>();
        for (Map.Entry<String, NodeInfo> e : inputs.entrySet()) {
            if (!(e.getValue().getInfo() instanceof TensorInfo info)) {
                throw new IllegalArgumentException("input '" + e.getKey() + "' is not a tensor; give sample inputs");
            }
            long[] shape = concrete(info);
            int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (info.type == OnnxJavaType.FLOAT) {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) random.nextGaussian();
                }
                sample.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape));
            } else if (info.type == OnnxJavaType.INT64 || info.type == OnnxJavaType.INT32) {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = name.contains("mask") ? 1 : name.contains("type") ? 0 : 1 + (long) (random.nextDouble() * (vocabulary - 1));
                }
                if (info.type == OnnxJavaType.INT64) {
                    sample.put(e.getKey(), OnnxTensor.createTensor(env, LongBuffer.wrap(v), shape));
                } else {
                    int[] w = new int[n];
                    for (int i = 0; i < n; i++) {
                        w[i] = (int) v[i];
                    }
                    sample.put(e.getKey(), OnnxTensor.createTensor(env, java.nio.IntBuffer.wrap(w), shape));
                }
            } else {
                throw new IllegalArgumentException("input '" + e.getKey() + "' has type " + info.type
                        + ", which amctkit does not generate; give sample inputs");
            }
        }
        return sample;
    }

    private static long[] concrete(TensorInfo info) {
        long[] shape = info.getShape().clone();
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0) {
                shape[d] = d == 0 ? 1 : (shape.length == 4 && info.type == OnnxJavaType.FLOAT && d >= 2) ? 320 : 128;
            }
        }
        return shape;
    }
}
