package io.amctkit.runtime.model;

import java.util.List;

/**
 * Layers whose output channels meet: through an {@code Add} (a residual: filter pruning must remove the same channels
 * from all of them) or a {@code Concat} (their channels are stacked into one consumer's input).
 */
public record Coupling(Kind kind, List<String> layers, String through) {

    /** How the outputs meet. */
    public enum Kind { ADD, CONCAT }

    public Coupling {
        layers = List.copyOf(layers);
    }
}
