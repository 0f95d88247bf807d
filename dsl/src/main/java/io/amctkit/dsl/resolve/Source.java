package io.amctkit.dsl.resolve;

import io.amctkit.dsl.SourcePosition;

import java.util.Optional;

/**
 * What decided a resolved value: a part of the config (with its field path and, when read from a file, its
 * position) or one of AMCT's built-in rules.
 */
public record Source(Kind kind, String fieldPath, Optional<SourcePosition> position, String detail) {

    /** The kinds of deciding source, in AMCT's priority words. */
    public enum Kind {
        /** {@code override_layer_configs[j]}: by layer name, the highest priority. */
        LAYER_OVERRIDE,
        /** {@code override_layer_types[i]}: by layer type. */
        TYPE_OVERRIDE,
        /** The global {@code retrain_*_config} / {@code prune_config}. */
        GLOBAL,
        /** A skip list entry. */
        SKIP,
        /** An AMCT built-in default or rule (no field of the config). */
        AMCT_DEFAULT
    }

    public static Source amctDefault(String detail) {
        return new Source(Kind.AMCT_DEFAULT, "", Optional.empty(), detail);
    }

    /** {@code override_layer_configs[1] (line 12)}, {@code AMCT default: ...} and so on. */
    public String describe() {
        String where = position.map(p -> " (line " + p.line() + ")").orElse("");
        return switch (kind) {
            case AMCT_DEFAULT -> "AMCT default: " + detail;
            default -> fieldPath + where + (detail.isEmpty() ? "" : ": " + detail);
        };
    }

    @Override
    public String toString() {
        return describe();
    }
}
