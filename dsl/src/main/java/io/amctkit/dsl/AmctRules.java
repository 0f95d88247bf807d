package io.amctkit.dsl;

import io.amctkit.dsl.proto.DataType;

import java.util.Optional;

/**
 * AMCT's value rules, each a pure check that returns the problem in words (or nothing): shared by the DSL, which
 * fails at the call, and by the validator, which reports a diagnostic.
 */
final class AmctRules {

    private AmctRules() {
    }

    /** clip_max > 0 and clip_min < 0, both strict, checked even with fixed_min (retrain_field.py ClipMax/ClipMin). */
    static Optional<String> clipRange(float clipMin, float clipMax) {
        if (clipMax > 0 && clipMin < 0) {
            return Optional.empty();
        }
        return Optional.of("clip_min must be < 0 and clip_max > 0 (AMCT rule); got clip_min=" + clipMin
                + ", clip_max=" + clipMax);
    }

    /** 0 < prune_ratio < 1, both bounds exclusive. */
    static Optional<String> pruneRatio(float ratio) {
        if (ratio > 0 && ratio < 1) {
            return Optional.empty();
        }
        return Optional.of("prune_ratio must be > 0 and < 1 (AMCT rule: the share of output channels removed; 0.2 is"
                + " the documented recommendation); got " + ratio);
    }

    /** INT4 activations are rejected: AMCT's capability INT4_RETRAIN is False. */
    static Optional<String> activationType(DataType act) {
        if (act == DataType.INT4) {
            return Optional.of("INT4 activations are not supported by AMCT QAT (\"Int4 quantization aware training is"
                    + " not supported.\"); use INT8 (or INT16 with INT8 weights)");
        }
        return Optional.empty();
    }

    /** Allowed activation/weight pairs: A8W8, A16W8, A8W4 (RETRAIN_ACT_WTS_TYPES minus the unreachable A4W4). */
    static Optional<String> typePair(DataType act, DataType weights) {
        Optional<String> actProblem = activationType(act);
        if (actProblem.isPresent()) {
            return actProblem;
        }
        boolean ok = (act == DataType.INT8 && (weights == DataType.INT8 || weights == DataType.INT4))
                || (act == DataType.INT16 && weights == DataType.INT8);
        if (ok) {
            return Optional.empty();
        }
        return Optional.of("activation " + act + " with weight " + weights + " is not a pair AMCT supports (A"
                + io.amctkit.dsl.resolve.QuantPlan.bits(act) + "W" + io.amctkit.dsl.resolve.QuantPlan.bits(weights) + "); allowed: A8W8, A16W8, A8W4");
    }

    /** channel_wise true is an error for Linear-like types (retrain_field.py ChannelWise). */
    static Optional<String> channelWise(String layerType, boolean channelWise) {
        if (channelWise && LayerTypes.NOT_CHANNEL_WISE.contains(layerType)) {
            return Optional.of("channel_wise must be false for " + layerType + " layers: AMCT quantizes their weights"
                    + " per tensor and rejects channel_wise true (\" fc layer can not be channewised\")");
        }
        return Optional.empty();
    }
}
