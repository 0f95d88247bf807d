package io.amctkit.dsl;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which AMCT entry point will read the config, which decides the fields it accepts:
 * {@code QUANT} = {@code create_quant_retrain_config} (QAT only), {@code PRUNE} = {@code create_prune_retrain_model}
 * (sparsity only; AMCT parses with both features on and then only prunes), {@code COMPRESSED} =
 * {@code create_compressed_retrain_model} (sparsity then QAT).
 */
public enum Mode {
    QUANT, PRUNE, COMPRESSED;

    /** Parses {@code quant}, {@code prune} or {@code compressed} (any case), naming the choices otherwise. */
    public static Mode parse(String text) {
        for (Mode m : values()) {
            if (m.name().equalsIgnoreCase(text.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + text + "'; expected one of "
                + Arrays.stream(values()).map(Mode::label).collect(Collectors.joining(", ")));
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
