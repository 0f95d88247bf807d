package io.amctkit.runtime.calibration;

import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.LayerPlan;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.dsl.resolve.Resolution;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The config with IFMR's calibrated clip ranges written in: an {@code override_layer_configs} entry per calibrated layer
 * whose clip range came from IFMR, carrying the clip range and the layer's resolved activation and weight settings, so
 * nothing else about the layer changes (an override also restates the weight quantizer, or AMCT would fall back to its
 * default). Layers that already have a layer override are left alone and listed.
 */
public final class SuggestedConfig {

    /** The config and the layers it could not annotate. */
    public record Suggestion(RetrainConfig config, int overrides, List<String> skipped) {
    }

    private SuggestedConfig() {
    }

    public static Suggestion of(RetrainConfig config, Resolution resolution, Calibration.Result calibration) {
        Set<String> overridden = config.layerOverrides().stream().map(o -> o.key()).collect(Collectors.toSet());
        StringBuilder text = new StringBuilder(config.toString());
        List<String> skipped = new ArrayList<>();
        int added = 0;
        for (Calibration.LayerActivation a : calibration.layers().values()) {
            if (!a.fromIfmr()) {
                continue;
            }
            if (overridden.contains(a.layer())) {
                skipped.add(a.layer());
                continue;
            }
            QuantPlan q = resolution.plan(a.layer()).flatMap(LayerPlan::quant).orElseThrow();
            text.append("override_layer_configs {\n  layer_name: \"").append(a.layer().replace("\\", "\\\\").replace("\"", "\\\""))
                    .append("\"\n  retrain_data_quant_config {\n    ulq_quantize {\n      clip_max_min {\n        clip_max: ")
                    .append(floatText(a.clipMax())).append("\n        clip_min: ").append(floatText(a.clipMin()))
                    .append("\n      }\n");
            q.fixedMin().ifPresent(f -> text.append("      fixed_min: ").append(f).append('\n'));
            text.append("      dst_type: ").append(q.activationType().name()).append("\n    }\n  }\n")
                    .append("  retrain_weight_quant_config {\n    ")
                    .append(q.weightAlgo().equals("arq_retrain") ? "arq_retrain" : "ulq_retrain")
                    .append(" {\n      dst_type: ").append(q.weightType().name())
                    .append("\n      channel_wise: ").append(q.channelWise()).append("\n    }\n  }\n}\n");
            added++;
        }
        return new Suggestion(RetrainConfig.parse("suggested.cfg", text.toString()), added, skipped);
    }

    /** The shortest decimal that reads back as the same float32. */
    private static String floatText(float v) {
        return Float.toString(v).toLowerCase(Locale.ROOT);
    }
}
