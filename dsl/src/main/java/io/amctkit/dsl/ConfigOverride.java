package io.amctkit.dsl;

/**
 * A differentiated setting for some layers: by module name ({@link LayerOverride}, {@code override_layer_configs})
 * or by module type ({@link TypeOverride}, {@code override_layer_types}). An override replaces the global
 * quantizers of its layers as a whole (parts it leaves out become AMCT's defaults, not the global values).
 */
public sealed interface ConfigOverride permits LayerOverride, TypeOverride {

    /** The layer name or layer type this override applies to. */
    String key();
}
