package io.amctkit.runtime.retrain;

import io.amctkit.runtime.onnx.proto.AttributeProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Linear or convolution node seen as a matrix product on rows, so that every retrainable layer trains the same way:
 * inputs become rows of {@code k} values (a Gemm's or MatMul's last axis; a convolution's receptive fields through
 * {@link Im2col}), outputs rows of {@code out}, and the stored weight a {@code [out, k]} matrix and back.
 */
final class LayerRows {

    private enum Kind { CONV, GEMM, MATMUL }

    private final Kind kind;
    private final int k;
    private final int out;
    private final boolean transposedStore;
    private final Im2col im2col;

    private LayerRows(Kind kind, int k, int out, boolean transposedStore, Im2col im2col) {
        this.kind = kind;
        this.k = k;
        this.out = out;
        this.transposedStore = transposedStore;
        this.im2col = im2col;
    }

    /** Why this node cannot be trained as rows, or empty when it can (its weight must be a constant). */
    static Optional<String> unsupported(NodeProto node, Map<String, TensorProto> constants) {
        if (node.getInputCount() < 2 || !constants.containsKey(node.getInput(1))) {
            return Optional.of("its weight is not a constant");
        }
        int rank = constants.get(node.getInput(1)).getDimsCount();
        return switch (node.getOpType()) {
            case "Conv" -> attr(node, "group", 1) != 1 ? Optional.of("a grouped or depthwise convolution stays as calibrated")
                    : rank == 3 || rank == 4 ? Optional.empty() : Optional.of("only Conv1d and Conv2d are retrained");
            case "Gemm" -> attr(node, "transA", 0) != 0 ? Optional.of("Gemm with transA stays as calibrated")
                    : floatAttr(node, "alpha") != 1f || floatAttr(node, "beta") != 1f
                    ? Optional.of("Gemm with alpha or beta other than 1 stays as calibrated") : Optional.empty();
            case "MatMul" -> rank == 2 ? Optional.empty() : Optional.of("a batched MatMul weight stays as calibrated");
            default -> Optional.of(node.getOpType() + " layers stay as calibrated (Linear and Conv1d/2d are retrained)");
        };
    }

    /** The geometry of {@code node}'s weight alone: enough to map weights between the stored layout and rows. */
    static LayerRows ofWeight(NodeProto node, TensorProto w) {
        long[] ws = w.getDimsList().stream().mapToLong(Long::longValue).toArray();
        if (node.getOpType().equals("Conv")) {
            int k = 1;
            for (int d = 1; d < ws.length; d++) {
                k *= (int) ws[d];
            }
            return new LayerRows(Kind.CONV, k, (int) ws[0], false, null);
        }
        return of(node, w, null);
    }

    /** The geometry of {@code node} with weight {@code w} on inputs of per-sample shape {@code inputShape}. */
    static LayerRows of(NodeProto node, TensorProto w, long[] inputShape) {
        long[] ws = w.getDimsList().stream().mapToLong(Long::longValue).toArray();
        switch (node.getOpType()) {
            case "Conv" -> {
                if (inputShape == null) {
                    return ofWeight(node, w);
                }
                boolean oneD = ws.length == 3;
                long[] pads = ints(node, "pads", oneD ? new long[]{0, 0} : new long[]{0, 0, 0, 0});
                long[] strides = ints(node, "strides", oneD ? new long[]{1} : new long[]{1, 1});
                long[] dil = ints(node, "dilations", oneD ? new long[]{1} : new long[]{1, 1});
                Im2col im = oneD
                        ? new Im2col((int) ws[1], 1, (int) inputShape[2], 1, (int) ws[2], 1, (int) strides[0], 0, (int) pads[0], 0,
                        (int) pads[1], 1, (int) dil[0])
                        : new Im2col((int) ws[1], (int) inputShape[2], (int) inputShape[3], (int) ws[2], (int) ws[3], (int) strides[0],
                        (int) strides[1], (int) pads[0], (int) pads[1], (int) pads[2], (int) pads[3], (int) dil[0], (int) dil[1]);
                return new LayerRows(Kind.CONV, im.rowLength(), (int) ws[0], false, im);
            }
            case "Gemm" -> {
                boolean transB = attr(node, "transB", 0) != 0;
                return new LayerRows(Kind.GEMM, (int) (transB ? ws[1] : ws[0]), (int) (transB ? ws[0] : ws[1]), !transB, null);
            }
            default -> {
                return new LayerRows(Kind.MATMUL, (int) ws[0], (int) ws[1], true, null);
            }
        }
    }

    int k() {
        return k;
    }

    int out() {
        return out;
    }

    /** Row columns per input channel: a convolution's kernel positions, else 1. */
    int columnsPerChannel(int inChannels) {
        return k / inChannels;
    }

    /** The layer's inputs on every sample as rows of {@code k}. */
    float[] inputRows(List<float[]> samples) {
        return kind == Kind.CONV ? concat(samples.stream().map(v -> im2col.rows(v, v.length / im2col.inputLength())).toList())
                : concat(samples);
    }

    /** The layer's outputs (or targets of {@code width} channels) on every sample as rows of {@code width}. */
    float[] outputRows(List<float[]> samples, int width) {
        if (kind != Kind.CONV) {
            return concat(samples);
        }
        int positions = im2col.outHeight() * im2col.outWidth();
        return concat(samples.stream().map(v -> im2col.outputRows(v, v.length / (width * positions), width)).toList());
    }

    /** A stored weight as {@code [out, k]}. */
    float[] weightRows(float[] stored) {
        return transposedStore ? transpose(stored, k, out) : stored;
    }

    /** A {@code [out, k]} weight in the stored layout. */
    float[] stored(float[] rows) {
        return transposedStore ? transpose(rows, out, k) : rows;
    }

    static float[] transpose(float[] v, int rows, int cols) {
        float[] t = new float[v.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = v[i * cols + j];
            }
        }
        return t;
    }

    static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private static long attr(NodeProto n, String name, long fallback) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst().map(AttributeProto::getI).orElse(fallback);
    }

    private static float floatAttr(NodeProto n, String name) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst().map(AttributeProto::getF).orElse(1f);
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
