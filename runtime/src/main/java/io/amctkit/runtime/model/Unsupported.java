package io.amctkit.runtime.model;

/** A weight-carrying node or tensor group amctkit did not turn into a layer, and why — listed, never dropped. */
public record Unsupported(String origin, String op, String reason) {
}
