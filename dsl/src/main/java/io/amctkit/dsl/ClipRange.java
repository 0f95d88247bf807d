package io.amctkit.dsl;

import io.amctkit.dsl.proto.ClipMaxMin;

/**
 * The initial activation clip range of ULQ ({@code clip_max_min}): {@code clipMin < 0 < clipMax}, float32 as AMCT
 * stores them. Without one, AMCT initialises the range with IFMR over the first {@code batch_num} batches.
 */
public record ClipRange(float clipMin, float clipMax) {

    public ClipRange {
        AmctRules.clipRange(clipMin, clipMax).ifPresent(problem -> {
            throw new IllegalArgumentException("clip_max_min: " + problem);
        });
    }

    /** The range from its lower and upper bound, in that order (as in "from -6 to 6"). */
    public static ClipRange of(double clipMin, double clipMax) {
        return new ClipRange((float) clipMin, (float) clipMax);
    }

    ClipMaxMin toProto() {
        return ClipMaxMin.newBuilder().setClipMax(clipMax).setClipMin(clipMin).build();
    }
}
