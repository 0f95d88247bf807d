package io.amctkit.runtime.export;

import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;

import java.util.HashSet;
import java.util.Set;

/**
 * Where a layer's stored weight reads given input channels: Conv {@code [Cout, Cin/g, k…]} (per group), Gemm (by
 * {@code transB}), MatMul {@code [in, out]}. A depthwise convolution passes its channels on rather than reading them
 * into others, so it has no such mask.
 */
final class InputChannels {

    private InputChannels() {
    }

    /** 1 where the stored weight reads one of {@code inputs}, else 0; null for a depthwise convolution. */
    static float[] mask(NodeProto node, TensorProto weight, int[] inputs) {
        long[] s = weight.getDimsList().stream().mapToLong(Long::longValue).toArray();
        float[] mask = new float[(int) java.util.Arrays.stream(s).reduce(1, (a, b) -> a * b)];
        Set<Integer> cut = new HashSet<>();
        for (int i : inputs) {
            cut.add(i);
        }
        switch (node.getOpType()) {
            case "Conv" -> {
                long groups = node.getAttributeList().stream().filter(a -> a.getName().equals("group")).mapToLong(a -> a.getI()).findFirst().orElse(1);
                long perIn = s[1];
                if (perIn == 1 && groups > 1) {
                    return null;
                }
                long perOut = s[0] / groups;
                long inner = mask.length / (s[0] * perIn);
                for (long o = 0; o < s[0]; o++) {
                    long group = o / perOut;
                    for (long j = 0; j < perIn; j++) {
                        if (cut.contains((int) (group * perIn + j))) {
                            for (long k = 0; k < inner; k++) {
                                mask[(int) ((o * perIn + j) * inner + k)] = 1;
                            }
                        }
                    }
                }
            }
            case "Gemm" -> {
                boolean transB = node.getAttributeList().stream().anyMatch(a -> a.getName().equals("transB") && a.getI() != 0);
                for (int i = 0; i < mask.length; i++) {
                    int in = transB ? (int) (i % s[1]) : (int) (i / s[1]);
                    mask[i] = cut.contains(in) ? 1 : 0;
                }
            }
            case "MatMul" -> {
                for (int i = 0; i < mask.length; i++) {
                    mask[i] = cut.contains((int) (i / s[1])) ? 1 : 0;
                }
            }
            default -> {
                return null;
            }
        }
        return mask;
    }
}
