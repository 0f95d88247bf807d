package io.amctkit.runtime.retrain;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.amctkit.runtime.InvalidInputException;
import io.amctkit.runtime.calibration.CalibrationTaps;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.export.OnnxEdits;
import io.amctkit.runtime.onnx.proto.AttributeProto;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.prune.FilterPruneRecord;
import io.amctkit.runtime.prune.FilterPruning;
import io.amctkit.runtime.prune.PruneEntry;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.inverse.InvertMatrix;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fine-tuning AMCT expects after pruning, done in closed form: every layer that lost input channels is refitted,
 * in model order, so that from the channels it keeps it reconstructs what the float model's layer computed (least
 * squares with a small ridge on the inputs the pruned model, earlier refits included, actually gives it), as channel
 * pruning and ThiNet do. Convolutions (groups 1) are refitted through im2col rows, Gemm and MatMul directly.
 */
public final class ConsumerRefit {

    /** The refitted pruned model and, per consumer, the reconstruction error before and after (mean squared). */
    public record Result(ModelProto model, Map<String, double[]> errors, List<String> skipped) {
    }

    private ConsumerRefit() {
    }

    /**
     * @param floatModel  the original model
     * @param pruned      the pruned model (channels removed; node and tensor names as in the original)
     * @param pruning     AMCT's records (which layers lost input channels) and where their nodes are
     * @param ridge       the ridge, relative to the mean diagonal of the inputs' Gram matrix
     */
    public static Result refit(ModelProto floatModel, ModelProto pruned, FilterPruning pruning, SampleSource source, int samples,
                               double ridge) {
        Set<String> consumers = new LinkedHashSet<>();
        for (FilterPruneRecord r : pruning.records()) {
            if (r.prunes()) {
                for (PruneEntry c : r.consumers()) {
                    if (c.type().equals("Conv") || c.type().equals("Gemm") || c.type().equals("MatMul")) {
                        consumers.add(c.name());
                    }
                }
            }
        }
        Map<String, Integer> nodeOf = pruning.nodeIndices();
        List<Integer> order = consumers.stream().map(nodeOf::get).filter(java.util.Objects::nonNull).sorted().toList();
        ModelProto current = pruned;
        Map<String, double[]> errors = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        for (int index : order) {
            NodeProto node = current.getGraph().getNode(index);
            String name = nodeOf.entrySet().stream().filter(e -> e.getValue() == index).findFirst().orElseThrow().getKey();
            Map<String, TensorProto> constants = OnnxEdits.constants(current.getGraph());
            TensorProto w = constants.get(node.getInput(1));
            if (w == null || (node.getOpType().equals("Conv") && attr(node, "group", 1) != 1)) {
                skipped.add(name + ": not a Conv (groups 1), Gemm or MatMul with a constant weight");
                continue;
            }
            Capture xs = capture(current, node.getInput(0), source, samples);
            Capture ys = capture(floatModel, node.getOutput(0), source, samples);
            // a consumer can also be a pruned producer: its float targets keep only the output channels it keeps
            Rows rows = rows(node, w, xs.values(), xs.shape(), ys.values(), ys.shape(), pruning.prunedOutputs(name));
            boolean bias = node.getInputCount() > 2 && !node.getInput(2).isEmpty() && constants.containsKey(node.getInput(2));
            double[] err = new double[2];
            float[] b0 = bias ? OnnxEdits.floatValues(constants.get(node.getInput(2))) : null;
            err[0] = error(rows, rows.weight, b0);
            double[][] solved = solve(rows, bias, ridge);
            float[] nw = toFloat(solved[0]);
            float[] nb = bias ? toFloat(solved[1]) : null;
            err[1] = error(rows, nw, nb);
            errors.put(name, err);
            if (err[1] >= err[0]) {
                skipped.add(name + ": the refit would not lower its error");
                continue;
            }
            // keyed by the tensor the node reads: OnnxEdits.rebuild replaces initializers and Constant nodes alike
            Map<String, TensorProto> replaced = new LinkedHashMap<>();
            replaced.put(node.getInput(1), OnnxEdits.floats(node.getInput(1), rows.toStored(nw), dims(w)));
            if (bias) {
                replaced.put(node.getInput(2), OnnxEdits.floats(node.getInput(2), nb, dims(constants.get(node.getInput(2)))));
            }
            GraphProto g = current.getGraph();
            current = current.toBuilder().setGraph(OnnxEdits.rebuild(g, g.getNodeList(), replaced, List.of())).build();
        }
        return new Result(current, errors, skipped);
    }

    /** A layer as rows: inputs [n, k], targets [n, out], the current weight as [out, k], and how to store a new one. */
    private record Rows(float[] x, float[] y, int n, int k, int out, float[] weight, boolean transposedStore) {
        float[] toStored(float[] w) {
            if (!transposedStore) {
                return w;
            }
            float[] t = new float[w.length];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < k; i++) {
                    t[i * out + o] = w[o * k + i];
                }
            }
            return t;
        }
    }

    private static Rows rows(NodeProto node, TensorProto w, List<float[]> xs, long[] xShape, List<float[]> ys, long[] yShape,
                             int[] prunedOut) {
        java.util.Set<Integer> gone = new java.util.HashSet<>();
        for (int c : prunedOut) {
            gone.add(c);
        }
        long[] ws = w.getDimsList().stream().mapToLong(Long::longValue).toArray();
        float[] wv = OnnxEdits.floatValues(w);
        switch (node.getOpType()) {
            case "Conv" -> {
                int cout = (int) ws[0];
                int cin = (int) ws[1];
                long[] pads = ints(node, "pads", new long[]{0, 0, 0, 0});
                long[] strides = ints(node, "strides", new long[]{1, 1});
                long[] dil = ints(node, "dilations", new long[]{1, 1});
                Im2col im = new Im2col(cin, (int) xShape[2], (int) xShape[3], (int) ws[2], (int) ws[3], (int) strides[0], (int) strides[1],
                        (int) pads[0], (int) pads[1], (int) pads[2], (int) pads[3], (int) dil[0], (int) dil[1]);
                float[] x = concat(xs.stream().map(v -> im.rows(v, 1)).toList());
                int full = cout + gone.size();
                float[] y = kept(concat(ys.stream().map(v -> im.outputRows(v, 1, full)).toList()), full, gone);
                return new Rows(x, y, y.length / cout, im.rowLength(), cout, wv, false);
            }
            case "Gemm" -> {
                boolean transB = attr(node, "transB", 0) != 0;
                int out = (int) (transB ? ws[0] : ws[1]);
                int k = (int) (transB ? ws[1] : ws[0]);
                float[] weight = transB ? wv : transpose(wv, k, out);
                float[] x = concat(xs);
                float[] y = kept(concat(ys), out + gone.size(), gone);
                return new Rows(x, y, y.length / out, k, out, weight, !transB);
            }
            default -> {   // MatMul [in, out]
                int k = (int) ws[0];
                int out = (int) ws[1];
                float[] x = concat(xs);
                float[] y = kept(concat(ys), out + gone.size(), gone);
                return new Rows(x, y, y.length / out, k, out, transpose(wv, k, out), true);
            }
        }
    }

    /** Rows of {@code width} values without the columns in {@code gone}. */
    private static float[] kept(float[] rows, int width, java.util.Set<Integer> gone) {
        if (gone.isEmpty()) {
            return rows;
        }
        int n = rows.length / width;
        float[] out = new float[n * (width - gone.size())];
        int at = 0;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < width; c++) {
                if (!gone.contains(c)) {
                    out[at++] = rows[i * width + c];
                }
            }
        }
        return out;
    }

    /** Ridge least squares: [x 1]·θ ≈ y, θ = (AᵀA + λ·tr/k·I)⁻¹Aᵀy. Returns weight [out·k] and bias [out]. */
    private static double[][] solve(Rows r, boolean bias, double ridge) {
        int k = r.k + (bias ? 1 : 0);
        double[] xa = new double[r.n * k];
        for (int i = 0; i < r.n; i++) {
            for (int j = 0; j < r.k; j++) {
                xa[i * k + j] = r.x[i * r.k + j];
            }
            if (bias) {
                xa[i * k + r.k] = 1;
            }
        }
        INDArray a = Nd4j.create(xa, new long[]{r.n, k}, 'c');
        double[] ya = new double[r.n * r.out];
        for (int i = 0; i < ya.length; i++) {
            ya[i] = r.y[i];
        }
        INDArray y = Nd4j.create(ya, new long[]{r.n, r.out}, 'c');
        INDArray ata = a.transpose().mmul(a);
        double trace = 0;
        for (int i = 0; i < k; i++) {
            trace += ata.getDouble(i, i);
        }
        double lambda = ridge * trace / k;
        for (int i = 0; i < r.k; i++) {
            ata.putScalar(i, i, ata.getDouble(i, i) + lambda);
        }
        INDArray theta = InvertMatrix.invert(ata, false).mmul(a.transpose().mmul(y));   // [k, out]
        double[] w = new double[r.out * r.k];
        double[] b = new double[r.out];
        for (int o = 0; o < r.out; o++) {
            for (int j = 0; j < r.k; j++) {
                w[o * r.k + j] = theta.getDouble(j, o);
            }
            if (bias) {
                b[o] = theta.getDouble(r.k, o);
            }
        }
        return new double[][]{w, b};
    }

    private static double error(Rows r, float[] w, float[] b) {
        double s = 0;
        for (int i = 0; i < r.n; i++) {
            for (int o = 0; o < r.out; o++) {
                double v = b == null ? 0 : b[o];
                for (int j = 0; j < r.k; j++) {
                    v += (double) r.x[i * r.k + j] * w[o * r.k + j];
                }
                double d = v - r.y[i * r.out + o];
                s += d * d;
            }
        }
        return s / ((double) r.n * r.out);
    }

    /** A tensor captured on every sample, and its per-sample shape. */
    private record Capture(List<float[]> values, long[] shape) {
    }

    private static Capture capture(ModelProto model, String tensor, SampleSource source, int samples) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ModelProto tapped = CalibrationTaps.withOutputs(model, Set.of(tensor));
        List<float[]> out = new ArrayList<>();
        long[] shape = new long[0];
        try (OrtSession s = env.createSession(tapped.toByteArray())) {
            SampleSource.Generator gen = source.open(s, env);
            for (int i = 0; i < samples; i++) {
                Map<String, OnnxTensor> x = gen.next();
                if (x == null) {
                    break;
                }
                try (OrtSession.Result r = s.run(x, Set.of(tensor))) {
                    OnnxTensor t = (OnnxTensor) r.get(0);
                    FloatBuffer f = t.getFloatBuffer();
                    float[] v = new float[f.remaining()];
                    f.get(v);
                    out.add(v);
                    shape = t.getInfo().getShape();
                } finally {
                    x.values().forEach(OnnxTensor::close);
                }
            }
        } catch (OrtException e) {
            throw new InvalidInputException("ONNX Runtime cannot run the pruned model for the refit: " + e.getMessage(), false);
        }
        return new Capture(out, shape);
    }

    private static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static float[] transpose(float[] v, int rows, int cols) {
        float[] t = new float[v.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = v[i * cols + j];
            }
        }
        return t;
    }

    private static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static long attr(NodeProto n, String name, long fallback) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return fallback;
    }

    private static long[] ints(NodeProto n, String name, long[] fallback) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return fallback;
    }
}
