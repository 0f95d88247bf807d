package io.amctkit.kernels;

/**
 * ULQ's activation clip state for one layer: the trainable {@code clip_max}/{@code clip_min} and the values the
 * previous forward used ({@code *_pre}), which AMCT falls back to on degenerate ranges.
 */
public record ClipState(float clipMax, float clipMin, float clipMaxPre, float clipMinPre) {

    /** A state whose previous values equal the current ones (a layer's first forward). */
    public static ClipState of(float clipMax, float clipMin) {
        return new ClipState(clipMax, clipMin, clipMax, clipMin);
    }
}
