package io.amctkit.runtime.tuning;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.proto.RetrainOverrideLayer;
import io.amctkit.dsl.proto.RetrainOverrideLayerType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code tuned.cfg}: the tuned config in AMCT's text format with a comment before every change saying why it is
 * there; read back, validated and resolved by AMCT's rules before it is handed out.
 */
public final class TunedConfig {

    private static final Pattern SKIP = Pattern.compile("^(quant_skip_layers|regular_prune_skip_layers): \"(.*)\"$");
    private static final Pattern NAME = Pattern.compile("^\\s+layer_name: \"(.*)\"$");

    private TunedConfig() {
    }

    /** The text, checked: it reads back as the tuned config, and AMCT's validation finds no error. */
    public static String text(TuneResult r, String originalName, Mode mode) {
        RetrainConfig tuned = r.tuned().config();
        RetrainConfig original = r.original().config();
        Set<String> originallyOverridden = original.toProto().getOverrideLayerConfigsList().stream()
                .map(RetrainOverrideLayer::getLayerName).collect(Collectors.toSet());
        Set<String> alreadySkipped = original.toProto().getQuantSkipLayersList().stream().collect(Collectors.toSet());
        alreadySkipped.addAll(original.toProto().getRegularPruneSkipLayersList());
        Set<String> spelledTypes = original.toProto().getOverrideLayerTypesList().stream().map(RetrainOverrideLayerType::getLayerType)
                .filter(t -> tuned.toProto().getOverrideLayerTypesList().stream().noneMatch(x -> x.getLayerType().equals(t)))
                .collect(Collectors.toSet());
        String header = "tuned by amctkit tune from " + originalName + " (" + mode.label() + " mode) for " + r.target().describe() + "\n"
                + r.tuned().evaluation().lines().stream().collect(Collectors.joining("\n")) + (r.met() ? "" : "\n(target NOT met: the best found)")
                + "\nevery change from the original carries a comment saying why";
        List<String> out = new ArrayList<>();
        boolean weightsChanged = !original.toProto().getRetrainWeightQuantConfig().equals(tuned.toProto().getRetrainWeightQuantConfig());
        List<String> lines = tuned.toCfg(header).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher skip = SKIP.matcher(line);
            if (skip.matches() && !alreadySkipped.contains(skip.group(2))) {
                int rank = r.keptUncompressed().indexOf(skip.group(2)) + 1;
                out.add(String.format(Locale.ROOT, "# %s: kept %s: of the %d layers the search ranked, it costs the model the %s alone",
                        skip.group(2), skip.group(1).startsWith("quant") ? "float (not quantized)" : "unpruned", r.rankingEvaluations(),
                        rank == 1 ? "most" : ordinal(rank) + " most"));
            }
            if (line.equals("retrain_weight_quant_config {") && weightsChanged) {
                out.add("# per-tensor here (the original said otherwise): the layers kept float take this global config, AMCT rejects"
                        + " channel_wise for a Linear even when it is skipped, and no quantized layer uses it");
            }
            if (line.equals("override_layer_configs {") && i + 1 < lines.size()) {
                Matcher name = NAME.matcher(lines.get(i + 1));
                if (name.matches() && r.int4Weights().contains(name.group(1))) {
                    out.add("# " + name.group(1) + ": INT4 weights (A8W4): among the layers that cost the model least alone, and the"
                            + " target still holds with them in INT4");
                } else if (name.matches() && !originallyOverridden.contains(name.group(1))) {
                    out.add("# " + name.group(1) + ": override_layer_types " + String.join(", ", spelledTypes) + " spelled out for this layer,"
                            + " because AMCT lets a type override beat a quant skip (the layers kept float are left out)");
                }
            }
            out.add(line);
        }
        String text = String.join("\n", out) + "\n";
        RetrainConfig back = RetrainConfig.parse("tuned.cfg", text);
        if (!back.equals(tuned) || back.validate(mode).hasErrors()) {
            throw new IllegalStateException("tuned.cfg does not read back as the tuned config: " + back.validate(mode));
        }
        return text;
    }

    private static String ordinal(int n) {
        String suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th" : switch (n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return n + suffix;
    }
}
