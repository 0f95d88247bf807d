package io.amctkit.runtime.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A model's layers, unsupported parts, couplings and notes as JSON (everything {@code layers} knows). */
public final class ModelJson {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelJson() {
    }

    public static String write(Model model) {
        ObjectNode root = JSON.createObjectNode();
        root.put("source", model.source().toString());
        root.put("format", model.format().name().toLowerCase(java.util.Locale.ROOT));
        ArrayNode layers = root.putArray("layers");
        for (ModelLayer l : model.layers()) {
            ObjectNode n = layers.addObject();
            n.put("name", l.name());
            n.put("type", l.type());
            n.put("named_from", l.naming());
            n.put("evidence", l.evidence());
            n.put("origin", l.origin());
            ArrayNode shape = n.putArray("weight_shape");
            for (long d : l.weightShape()) {
                shape.add(d);
            }
            ArrayNode weights = n.putArray("weights");
            for (TensorInfo t : l.weights()) {
                ObjectNode w = weights.addObject();
                w.put("name", t.name());
                w.put("dtype", t.dtype().name());
                ArrayNode s = w.putArray("shape");
                for (long d : t.shape()) {
                    s.add(d);
                }
            }
            n.put("weight_transposed", l.weightTransposed());
            l.inChannels().ifPresent(v -> n.put("in_channels", v));
            l.outChannels().ifPresent(v -> n.put("out_channels", v));
            l.groups().ifPresent(v -> n.put("groups", v));
            if (!l.kernel().isEmpty()) {
                ArrayNode k = n.putArray("kernel");
                l.kernel().forEach(k::add);
            }
            l.inputSize().ifPresent(v -> n.put("input_size", v));
            l.hiddenSize().ifPresent(v -> n.put("hidden_size", v));
            n.put("parameters", l.parameters());
            l.reluInput().ifPresent(v -> n.put("relu_input", v));
            ArrayNode p = n.putArray("producers");
            l.producers().forEach(p::add);
            ArrayNode c = n.putArray("consumers");
            l.consumers().forEach(c::add);
        }
        ArrayNode unsupported = root.putArray("unsupported");
        for (Unsupported u : model.unsupported()) {
            unsupported.addObject().put("origin", u.origin()).put("op", u.op()).put("reason", u.reason());
        }
        ArrayNode couplings = root.putArray("couplings");
        for (Coupling c : model.couplings()) {
            ObjectNode n = couplings.addObject();
            n.put("kind", c.kind().name().toLowerCase(java.util.Locale.ROOT));
            n.put("through", c.through());
            ArrayNode ls = n.putArray("layers");
            c.layers().forEach(ls::add);
        }
        ArrayNode notes = root.putArray("notes");
        model.notes().forEach(notes::add);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
