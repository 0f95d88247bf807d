package io.amctkit.runtime.prune;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.record.proto.AttrProto;
import io.amctkit.runtime.record.proto.PruneNode;
import io.amctkit.runtime.record.proto.PruneRecord;
import io.amctkit.runtime.record.proto.ScaleOffsetRecord;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The equivalence test of a pruned export, computed without the exporter: the original model with the pruned
 * channels' contributions removed — the input-channel weights of every consumer that stops a record (a convolution
 * that is not depthwise, a Gemm, a MatMul) set to zero, per group for grouped convolutions — must give the pruned
 * model's outputs on random inputs, to 1e-5 of the largest output magnitude.
 */
final class PruneEquivalence {

    private PruneEquivalence() {
    }

    /**
     * @param weightOf the weight initializer (or Constant output) of a record name's node
     * @return the number of output values compared
     */
    static long check(ModelProto original, ModelProto pruned, ScaleOffsetRecord record, Function<String, String> weightOf,
                      int samples) throws Exception {
        return check(original, pruned, record, weightOf, samples, SampleSource.generated(2, 7));
    }

    /**
     * Both models with {@code tensors} as their only outputs: a saturated Sigmoid head (a probability map of zeros)
     * cannot show a difference, its logits can.
     */
    static ModelProto[] exposing(ModelProto original, ModelProto pruned, List<String> tensors) {
        ModelProto[] out = new ModelProto[2];
        ModelProto[] in = {original, pruned};
        for (int i = 0; i < 2; i++) {
            GraphProto.Builder g = in[i].getGraph().toBuilder().clearOutput();
            for (String t : tensors) {
                g.addOutput(io.amctkit.runtime.onnx.proto.ValueInfoProto.newBuilder().setName(t).setType(
                        io.amctkit.runtime.onnx.proto.TypeProto.newBuilder().setTensorType(
                                io.amctkit.runtime.onnx.proto.TypeProto.Tensor.newBuilder().setElemType(1))));
            }
            out[i] = in[i].toBuilder().setGraph(g).build();
        }
        return out;
    }

    static long check(ModelProto original, ModelProto pruned, ScaleOffsetRecord record, Function<String, String> weightOf,
                      int samples, SampleSource source) throws Exception {
        GraphProto g = original.getGraph();
        Map<String, TensorProto> constants = new HashMap<>();
        g.getInitializerList().forEach(t -> constants.put(t.getName(), t));
        g.getNodeList().stream().filter(n -> n.getOpType().equals("Constant"))
                .forEach(n -> constants.put(n.getOutput(0), n.getAttribute(0).getT()));
        Map<String, float[]> zeroed = new HashMap<>();
        for (PruneRecord r : record.getPruneRecordList()) {
            for (PruneNode c : r.getConsumerList()) {
                String type = attr(c, "type").getS().toStringUtf8();
                AttrProto index = attr(c, "prune_index");
                if (index == null || !(type.equals("Conv") || type.equals("Gemm") || type.equals("MatMul"))) {
                    continue;
                }
                String w = weightOf.apply(c.getName());
                NodeProto node = g.getNodeList().stream().filter(n -> n.getInputCount() > 1 && n.getInput(1).equals(w)).findFirst().orElseThrow();
                TensorProto t = constants.get(w);
                float[] v = zeroed.computeIfAbsent(w, k -> values(t));
                long[] s = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
                for (long i : index.getIntsList()) {
                    zeroInput(node, s, v, (int) i);
                }
            }
        }
        GraphProto.Builder b = g.toBuilder().clearInitializer();
        for (TensorProto t : g.getInitializerList()) {
            b.addInitializer(zeroed.containsKey(t.getName()) ? withValues(t, zeroed.get(t.getName())) : t);
        }
        for (int i = 0; i < b.getNodeCount(); i++) {
            NodeProto n = b.getNode(i);
            if (n.getOpType().equals("Constant") && zeroed.containsKey(n.getOutput(0))) {
                b.setNode(i, n.toBuilder().setAttribute(0, n.getAttribute(0).toBuilder()
                        .setT(withValues(n.getAttribute(0).getT(), zeroed.get(n.getOutput(0))))));
            }
        }
        ModelProto reference = original.toBuilder().setGraph(b).build();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long compared = 0;
        try (OrtSession a = env.createSession(reference.toByteArray(), new OrtSession.SessionOptions());
             OrtSession p = env.createSession(pruned.toByteArray(), new OrtSession.SessionOptions())) {
            SampleSource.Generator inputs = source.open(a, env);
            for (int k = 0; k < samples; k++) {
                Map<String, OnnxTensor> x = inputs.next();
                try (OrtSession.Result ya = a.run(x); OrtSession.Result yp = p.run(x)) {
                    for (int o = 0; o < ya.size(); o++) {
                        OnnxTensor ta = (OnnxTensor) ya.get(o);
                        OnnxTensor tp = (OnnxTensor) yp.get(o);
                        assertArrayEquals(ta.getInfo().getShape(), tp.getInfo().getShape(), "output " + o + " keeps its shape");
                        FloatBuffer fa = ta.getFloatBuffer();
                        FloatBuffer fp = tp.getFloatBuffer();
                        double largest = 0;
                        for (int i = 0; i < fa.limit(); i++) {
                            largest = Math.max(largest, Math.abs(fa.get(i)));
                        }
                        for (int i = 0; i < fa.limit(); i++) {
                            double err = Math.abs(fa.get(i) - fp.get(i));
                            assertTrue(err <= 1e-5 * largest, "output " + o + " value " + i + ": pruned " + fp.get(i)
                                    + " vs reference " + fa.get(i) + " (largest " + largest + ")");
                        }
                        compared += fa.limit();
                    }
                } finally {
                    x.values().forEach(OnnxTensor::close);
                }
            }
        }
        return compared;
    }

    /** Sets to 0 the weights through which input channel {@code i} reaches the node's outputs. */
    private static void zeroInput(NodeProto node, long[] s, float[] v, int i) {
        switch (node.getOpType()) {
            case "Conv" -> {
                long groups = node.getAttributeList().stream().filter(a -> a.getName().equals("group")).mapToLong(a -> a.getI()).findFirst().orElse(1);
                long cout = s[0];
                long perIn = s[1];
                long inner = v.length / (cout * perIn);
                long group = i / perIn;
                long local = i % perIn;
                long perOut = cout / groups;
                for (long o = group * perOut; o < (group + 1) * perOut; o++) {
                    for (long k = 0; k < inner; k++) {
                        v[(int) ((o * perIn + local) * inner + k)] = 0;
                    }
                }
            }
            case "Gemm" -> {
                boolean transB = node.getAttributeList().stream().anyMatch(a -> a.getName().equals("transB") && a.getI() != 0);
                if (transB) {
                    for (long o = 0; o < s[0]; o++) {
                        v[(int) (o * s[1] + i)] = 0;
                    }
                } else {
                    for (long o = 0; o < s[1]; o++) {
                        v[(int) (i * s[1] + o)] = 0;
                    }
                }
            }
            case "MatMul" -> {
                for (long o = 0; o < s[1]; o++) {
                    v[(int) (i * s[1] + o)] = 0;
                }
            }
            default -> throw new IllegalArgumentException(node.getOpType());
        }
    }

    private static AttrProto attr(PruneNode n, String name) {
        return n.getAttrList().stream().filter(a -> a.getName().equals(name)).findFirst().orElse(null);
    }

    static float[] values(TensorProto t) {
        if (t.hasRawData()) {
            FloatBuffer f = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] v = new float[f.remaining()];
            f.get(v);
            return v;
        }
        float[] v = new float[t.getFloatDataCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getFloatData(i);
        }
        return v;
    }

    private static TensorProto withValues(TensorProto t, float[] v) {
        ByteBuffer raw = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            raw.putFloat(f);
        }
        return t.toBuilder().clearFloatData().setRawData(ByteString.copyFrom(raw.array())).build();
    }

    /** The dims of a named tensor of a model (initializer or Constant output). */
    static List<Long> dims(ModelProto m, String name) {
        return m.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst()
                .map(TensorProto::getDimsList)
                .orElseGet(() -> m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Constant") && n.getOutput(0).equals(name))
                        .findFirst().orElseThrow().getAttribute(0).getT().getDimsList());
    }
}
