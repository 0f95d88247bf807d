package io.amctkit.runtime.model;

import io.amctkit.dsl.resolve.Layer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Layers of a model known only by its named tensors (a state_dict, a safetensors file): modules from the parameter
 * names, types from a layer manifest when one is given, otherwise inferred from weight shapes — rank 2 Linear, 3
 * Conv1d, 4 Conv2d, 5 Conv3d, {@code weight_ih_l0}/{@code weight_hh_l0} LSTM (4 gates) or GRU (3 gates) — with the
 * inference and its ambiguities (ConvTranspose, groups, embeddings) stated on each layer.
 */
public final class StateDictLayers {

    /** What was recovered. */
    public record Result(List<ModelLayer> layers, List<Unsupported> unsupported, List<String> notes) {
    }

    private StateDictLayers() {
    }

    public static Result of(Map<String, TensorInfo> tensors, Optional<List<Layer>> manifest) {
        Map<String, Map<String, TensorInfo>> modules = new LinkedHashMap<>();
        List<Unsupported> unsupported = new ArrayList<>();
        for (TensorInfo t : tensors.values()) {
            int dot = t.name().lastIndexOf('.');
            String module = dot > 0 ? t.name().substring(0, dot) : "";
            String leaf = t.name().substring(dot + 1);
            modules.computeIfAbsent(module, k -> new LinkedHashMap<>()).put(leaf, t);
        }
        Map<String, Layer> given = new LinkedHashMap<>();
        manifest.ifPresent(list -> list.forEach(l -> given.put(l.name(), l)));
        List<ModelLayer> layers = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Map.Entry<String, Map<String, TensorInfo>> m : modules.entrySet()) {
            String name = m.getKey();
            Map<String, TensorInfo> p = m.getValue();
            Optional<ModelLayer> layer = p.containsKey("weight_ih_l0") ? recurrent(name, p, unsupported)
                    : p.containsKey("weight") ? weighted(name, p.get("weight"), p, unsupported) : Optional.empty();
            if (layer.isEmpty()) {
                continue;
            }
            ModelLayer l = layer.get();
            Layer fromManifest = given.remove(name);
            if (fromManifest != null) {
                l = new ModelLayer(l.name(), fromManifest.type(), l.naming(), "from the layer manifest (the shapes suggested "
                        + l.type() + ")", l.origin(), l.weights(), l.weightTransposed(),
                        fromManifest.inChannels().isPresent() ? fromManifest.inChannels() : l.inChannels(),
                        fromManifest.outChannels().isPresent() ? fromManifest.outChannels() : l.outChannels(),
                        fromManifest.groups().isPresent() ? fromManifest.groups() : l.groups(), l.kernel(),
                        fromManifest.inputSize().isPresent() ? fromManifest.inputSize() : l.inputSize(),
                        fromManifest.hiddenSize().isPresent() ? fromManifest.hiddenSize() : l.hiddenSize(),
                        List.of(), List.of(), Optional.empty());
            }
            layers.add(l);
        }
        if (!given.isEmpty()) {
            notes.add("the manifest names " + given.size() + " layer(s) without weights in the file: " + String.join(", ", given.keySet()));
        }
        return new Result(List.copyOf(layers), List.copyOf(unsupported), List.copyOf(notes));
    }

    private static Optional<ModelLayer> weighted(String name, TensorInfo w, Map<String, TensorInfo> p, List<Unsupported> unsupported) {
        long[] s = w.shape();
        if (!plausible(s)) {
            unsupported.add(new Unsupported(w.name(), "weight", "shape " + w.shapeText() + " has a dimension no layer can have"));
            return Optional.empty();
        }
        List<TensorInfo> weights = new ArrayList<>(List.of(w));
        if (p.containsKey("bias") && plausible(p.get("bias").shape())) {
            weights.add(p.get("bias"));
        }
        String leafName = name.substring(name.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
        switch (s.length) {
            case 2 -> {
                if (leafName.contains("embed")) {
                    unsupported.add(new Unsupported(w.name(), "Embedding?", "a 2-D weight named like an embedding table "
                            + w.shapeText() + ": not a layer AMCT quantizes; name it Linear in a manifest if it is one"));
                    return Optional.empty();
                }
                return Optional.of(layer(name, "Linear", "inferred from the rank-2 weight " + w.shapeText() + " (Linear [out, in])",
                        weights, OptionalInt.of((int) s[1]), OptionalInt.of((int) s[0]), OptionalInt.of(1), List.of()));
            }
            case 3, 4, 5 -> {
                List<Integer> kernel = new ArrayList<>();
                for (int d = 2; d < s.length; d++) {
                    kernel.add((int) s[d]);
                }
                String type = "Conv" + (s.length - 2) + "d";
                return Optional.of(layer(name, type, "inferred from the rank-" + s.length + " weight " + w.shapeText()
                                + " (Conv [out, in/groups, k...]; groups assumed 1 and ConvTranspose not distinguishable:"
                                + " give type and groups in a manifest)",
                        weights, OptionalInt.of((int) s[1]), OptionalInt.of((int) s[0]), OptionalInt.of(1), kernel));
            }
            case 1 -> {
                unsupported.add(new Unsupported(w.name(), "rank-1 weight", "a normalisation layer's scale " + w.shapeText()
                        + ": not a layer AMCT quantizes or prunes"));
                return Optional.empty();
            }
            default -> {
                unsupported.add(new Unsupported(w.name(), "rank-" + s.length + " weight", "no layer type has a weight of shape "
                        + w.shapeText()));
                return Optional.empty();
            }
        }
    }

    private static Optional<ModelLayer> recurrent(String name, Map<String, TensorInfo> p, List<Unsupported> unsupported) {
        TensorInfo ih = p.get("weight_ih_l0");
        TensorInfo hh = p.get("weight_hh_l0");
        if (!plausible(ih.shape()) || (hh != null && !plausible(hh.shape()))) {
            unsupported.add(new Unsupported(ih.name(), "RNN", "a weight has a dimension no layer can have"));
            return Optional.empty();
        }
        if (hh == null || ih.rank() != 2 || hh.rank() != 2 || hh.shape()[1] <= 0) {
            unsupported.add(new Unsupported(ih.name(), "RNN", "weight_ih_l0 without a matching 2-D weight_hh_l0"));
            return Optional.empty();
        }
        long hidden = hh.shape()[1];
        long gates = ih.shape()[0] / hidden;
        String type = gates == 4 && ih.shape()[0] == 4 * hidden ? "LSTM" : gates == 3 && ih.shape()[0] == 3 * hidden ? "GRU" : null;
        if (type == null) {
            unsupported.add(new Unsupported(ih.name(), "RNN", "weight_ih_l0 " + ih.shapeText() + " holds " + ih.shape()[0] + "/"
                    + hidden + " gates: a plain RNN, which AMCT does not quantize"));
            return Optional.empty();
        }
        List<TensorInfo> weights = new ArrayList<>();
        p.forEach((leaf, t) -> {
            if ((leaf.startsWith("weight_") || leaf.startsWith("bias_")) && plausible(t.shape())) {
                weights.add(t);
            }
        });
        return Optional.of(new ModelLayer(name, type, "state_dict key", "inferred from weight_ih_l0 " + ih.shapeText()
                + " = " + gates + " gates × hidden " + hidden, ih.name(), weights, false, OptionalInt.empty(),
                OptionalInt.empty(), OptionalInt.empty(), List.of(), OptionalInt.of((int) ih.shape()[1]),
                OptionalInt.of((int) hidden), List.of(), List.of(), Optional.empty()));
    }

    /** Every dimension positive and within int range, and fewer than 2^40 elements. */
    private static boolean plausible(long[] shape) {
        double elements = 1;
        for (long d : shape) {
            if (d <= 0 || d > Integer.MAX_VALUE) {
                return false;
            }
            elements *= d;
        }
        return elements < 0x1p40;
    }

    private static ModelLayer layer(String name, String type, String evidence, List<TensorInfo> weights, OptionalInt in,
                                    OptionalInt out, OptionalInt groups, List<Integer> kernel) {
        return new ModelLayer(name, type, "state_dict key", evidence, weights.get(0).name(), weights, false, in, out, groups,
                kernel, OptionalInt.empty(), OptionalInt.empty(), List.of(), List.of(), Optional.empty());
    }
}
