package io.amctkit.runtime.model;

import java.util.Optional;

/**
 * Recovers AMCT's module names: PyTorch's ONNX export scopes ({@code /encoder/layer.0/attention/self/query/MatMul} →
 * {@code encoder.layer.0.attention.self.query}), state_dict-style weight names ({@code layer1.0.conv1.weight} →
 * {@code layer1.0.conv1}) and Paddle parameter names ({@code conv2d_12.w_0} → {@code conv2d_12}).
 */
public final class LayerNames {

    private LayerNames() {
    }

    /** The module of a PyTorch-style parameter name: {@code x.weight}, {@code x.weight_ih_l0} → {@code x}. */
    public static Optional<String> fromParameter(String tensorName) {
        int dot = tensorName.lastIndexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        String leaf = tensorName.substring(dot + 1);
        if (leaf.equals("weight") || leaf.matches("weight_(ih|hh)_l\\d+(_reverse)?")) {
            return Optional.of(tensorName.substring(0, dot));
        }
        return Optional.empty();
    }

    /** The module of a Paddle parameter name: {@code conv2d_12.w_0} → {@code conv2d_12}. */
    public static Optional<String> fromPaddleParameter(String tensorName) {
        if (tensorName.matches("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*\\.w_\\d+")) {
            return Optional.of(tensorName.substring(0, tensorName.lastIndexOf('.')));
        }
        return Optional.empty();
    }

    /** The module of a PyTorch ONNX export scope: the path segments but the last (the op), joined with dots. */
    public static Optional<String> fromExportScope(String nodeName) {
        if (!nodeName.startsWith("/")) {
            return Optional.empty();
        }
        String[] parts = nodeName.substring(1).split("/");
        if (parts.length < 2) {
            return Optional.empty();
        }
        java.util.List<String> path = new java.util.ArrayList<>();
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].isEmpty()) {
                return Optional.empty();
            }
            // a called Sequential shows as "layer1", its child as "layer1.0": keep the child's qualified segment only
            if (!path.isEmpty() && parts[i].startsWith(path.get(path.size() - 1) + ".")) {
                path.remove(path.size() - 1);
            }
            path.add(parts[i]);
        }
        return Optional.of(String.join(".", path));
    }
}
