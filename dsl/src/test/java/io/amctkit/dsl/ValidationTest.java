package io.amctkit.dsl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test per model-independent AMCT rule; positions point at the offending field. */
class ValidationTest {

    private static Diagnostics check(Mode mode, String text) {
        return RetrainConfig.parse("t.cfg", text).validate(mode);
    }

    private static Diagnostic only(Diagnostics d, String code) {
        List<Diagnostic> found = d.items().stream().filter(x -> x.code().equals(code)).toList();
        assertEquals(1, found.size(), "expected one " + code + " in:\n" + d);
        return found.get(0);
    }

    @Test
    void clipMaxAndClipMinComeTogether() {
        Diagnostic d = only(check(Mode.QUANT, "retrain_data_quant_config {\n ulq_quantize { clip_max_min { clip_max: 3 } } }"), "CLIP-INCOMPLETE");
        assertTrue(d.isError());
        assertEquals("retrain_data_quant_config.ulq_quantize.clip_max_min.clip_min", d.fieldPath());
        assertEquals("t.cfg:2:17", d.position().orElseThrow().toString());
    }

    @Test
    void clipMaxMustBePositiveAndClipMinNegative() {
        Diagnostic max = only(check(Mode.QUANT, "retrain_data_quant_config { ulq_quantize { clip_max_min { clip_max: -1.0 clip_min: -3.0 } } }"), "CLIP-SIGN");
        assertEquals("retrain_data_quant_config.ulq_quantize.clip_max_min.clip_max", max.fieldPath());
        assertEquals(59, max.position().orElseThrow().column());
        Diagnostic min = only(check(Mode.QUANT, "retrain_data_quant_config { ulq_quantize { fixed_min: true clip_max_min { clip_max: 3 clip_min: 0 } } }"), "CLIP-SIGN");
        assertTrue(min.fieldPath().endsWith("clip_min"), "checked even with fixed_min");
        only(check(Mode.QUANT, "override_layer_configs { layer_name: \"c\" retrain_data_quant_config { ulq_quantize { clip_max_min { clip_max: 3 clip_min: 1 } } } }"), "CLIP-SIGN");
    }

    @Test
    void pruneRatioIsRequiredAndStrictlyBetweenZeroAndOne() {
        Diagnostic missing = only(check(Mode.PRUNE, "prune_config { filter_pruner { balanced_l2_norm_filter_prune { ascend_optimized: false } } }"), "PRUNE-RATIO-MISSING");
        assertEquals("prune_config.filter_pruner.balanced_l2_norm_filter_prune.prune_ratio", missing.fieldPath());
        for (String ratio : new String[]{"0", "1", "1.0", "1.5", "-0.2"}) {
            only(check(Mode.PRUNE, "prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: " + ratio + " } } }"), "PRUNE-RATIO-RANGE");
        }
        assertFalse(check(Mode.PRUNE, "prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.999 } } }").hasErrors());
    }

    @Test
    void updateFreqZeroOrMoreIsAccepted() {
        assertFalse(check(Mode.PRUNE, "prune_config { n_out_of_m_pruner { l1_selective_prune { update_freq: 0 } } }").hasErrors());
        assertFalse(check(Mode.PRUNE, "prune_config { n_out_of_m_pruner { l1_selective_prune { update_freq: 4294967295 } } }").hasErrors());
        // negative values cannot even be parsed: CfgParserTest.negativeUpdateFreqNamesTheField
    }

    @Test
    void batchNumMustBePositive() {
        Diagnostic d = only(check(Mode.QUANT, "batch_num: 0"), "BATCH-NUM");
        assertEquals("t.cfg:1:1", d.position().orElseThrow().toString());
        assertFalse(check(Mode.QUANT, "batch_num: 4").hasErrors());
    }

    @Test
    void int4ActivationsAreRejectedGloballyAndInOverrides() {
        only(check(Mode.QUANT, "retrain_data_quant_config { ulq_quantize { dst_type: INT4 } }"), "DTYPE-ACT-INT4");
        only(check(Mode.QUANT, "override_layer_types { layer_type: \"Conv2d\" retrain_data_quant_config { ulq_quantize { dst_type: INT4 } } }"), "DTYPE-ACT-INT4");
    }

    @Test
    void onlyA8W8A16W8AndA8W4Pairs() {
        only(check(Mode.QUANT, "retrain_data_quant_config { ulq_quantize { dst_type: INT16 } } retrain_weight_quant_config { arq_retrain { dst_type: INT4 } }"), "DTYPE-PAIR");
        only(check(Mode.QUANT, "retrain_weight_quant_config { arq_retrain { dst_type: INT16 } }"), "DTYPE-PAIR");
        Diagnostic override = only(check(Mode.QUANT, "override_layer_configs { layer_name: \"fc\" retrain_weight_quant_config { ulq_retrain { dst_type: INT16 } } }"), "DTYPE-PAIR");
        assertTrue(override.fieldPath().startsWith("override_layer_configs[0]."));
        assertFalse(check(Mode.QUANT, "retrain_data_quant_config { ulq_quantize { dst_type: INT16 } }").hasErrors());
        assertFalse(check(Mode.QUANT, "retrain_weight_quant_config { arq_retrain { dst_type: INT4 } }").hasErrors());
    }

    @Test
    void channelWiseOnALinearTypeOverrideIsAnError() {
        Diagnostic d = only(check(Mode.QUANT, "override_layer_types { layer_type: \"Linear\"\n retrain_weight_quant_config { arq_retrain { channel_wise: true } } }"), "CHANNEL-WISE-LINEAR");
        assertEquals("override_layer_types[0].retrain_weight_quant_config.arq_retrain.channel_wise", d.fieldPath());
        assertEquals(2, d.position().orElseThrow().line());
        assertFalse(check(Mode.QUANT, "override_layer_types { layer_type: \"Linear\" retrain_weight_quant_config { arq_retrain { channel_wise: false } } }").hasErrors());
    }

    @Test
    void repeatedOverrideNamesOrTypesAreErrors() {
        Diagnostic types = only(check(Mode.QUANT, "override_layer_types { layer_type: \"Conv2d\" }\noverride_layer_types { layer_type: \"Conv2d\" }"), "OVERRIDE-REPEATED");
        assertTrue(types.isError());
        assertEquals("t.cfg:2:24", types.position().orElseThrow().toString());
        only(check(Mode.QUANT, "override_layer_configs { layer_name: \"a\" } override_layer_configs { layer_name: \"a\" }"), "OVERRIDE-REPEATED");
    }

    @Test
    void repeatedSkipEntriesAreWarnings() {
        Diagnostics d = check(Mode.PRUNE, "prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.3 } } }\n"
                + "regular_prune_skip_layers: \"x\"\nregular_prune_skip_layers: \"x\"");
        Diagnostic w = only(d, "SKIP-REPEATED");
        assertEquals(Severity.WARNING, w.severity());
        assertEquals(3, w.position().orElseThrow().line());
        assertFalse(d.hasErrors());
    }

    @Test
    void pruneFieldsAreErrorsInQuantMode() {
        Diagnostics d = check(Mode.QUANT, "prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.3 } } }\n"
                + "regular_prune_skip_layers: \"a\"\nregular_prune_skip_types: \"Conv2d\"\n"
                + "override_layer_configs { layer_name: \"c\" prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.3 } } } }");
        assertEquals(4, d.items().stream().filter(x -> x.code().equals("FEATURE-DISABLED")).count(), d.toString());
        assertFalse(check(Mode.COMPRESSED, "prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.3 } } }").hasErrors());
    }

    @Test
    void quantModeQuirksAreWarnings() {
        Diagnostics typeOverride = check(Mode.QUANT, "override_layer_types { layer_type: \"Conv2d\" prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.3 } } } }");
        assertFalse(typeOverride.hasErrors(), "AMCT accepts it");
        only(typeOverride, "QUIRK-TYPE-OVERRIDE-PRUNE");
        Diagnostics emptyPrune = check(Mode.QUANT, "prune_config {}");
        assertFalse(emptyPrune.hasErrors());
        only(emptyPrune, "QUIRK-EMPTY-PRUNE");
        assertTrue(only(check(Mode.COMPRESSED, "prune_config {} retrain_weight_quant_config { arq_retrain {} }"), "PRUNE-EMPTY").isError(),
                "AMCT crashes on it in compressed mode");
    }

    @Test
    void quantFieldsAreIgnoredInPruneMode() {
        Diagnostics d = check(Mode.PRUNE, "retrain_weight_quant_config { arq_retrain {} } quant_skip_layers: \"a\"\n"
                + "prune_config { n_out_of_m_pruner { l1_selective_prune {} } }");
        assertFalse(d.hasErrors());
        assertEquals(2, d.items().stream().filter(x -> x.code().equals("FEATURE-IGNORED")).count());
        only(check(Mode.PRUNE, "retrain_weight_quant_config { arq_retrain {} }"), "PRUNE-NOT-CONFIGURED");
    }

    @Test
    void compressedModeNeedsQuantizationOrPruning() {
        Diagnostic d = only(check(Mode.COMPRESSED, "batch_num: 4 skip_layers: \"fc\""), "NOTHING-CONFIGURED");
        assertTrue(d.message().contains("proto can not neither retrain nor prune."));
        assertFalse(check(Mode.COMPRESSED, "override_layer_configs { layer_name: \"c\" retrain_data_quant_config { ulq_quantize {} } }").hasErrors());
    }

    @Test
    void pruneSkipsFailWhenPruningComesOnlyFromOverrides() {
        only(check(Mode.COMPRESSED, "skip_layers: \"conv1\"\noverride_layer_configs { layer_name: \"conv2\" prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.5 } } } }"),
                "PRUNE-SKIP-NO-GLOBAL");
    }

    @Test
    void unsupportedTypeNamesWarnWithASuggestion() {
        Diagnostic d = only(check(Mode.QUANT, "quant_skip_types: \"conv2d\""), "TYPE-UNSUPPORTED");
        assertEquals(Severity.WARNING, d.severity());
        assertTrue(d.message().contains("did you mean 'Conv2d'?"), d.message());
    }

    @Test
    void inferredModeFollowsTheContent() {
        assertEquals(Mode.QUANT, RetrainConfig.parse("quant_skip_layers: \"a\"").inferredMode());
        assertEquals(Mode.PRUNE, RetrainConfig.parse("regular_prune_skip_layers: \"a\"").inferredMode());
        assertEquals(Mode.COMPRESSED, RetrainConfig.parse("batch_num: 2 prune_config {}").inferredMode());
    }

    static List<Path> resolutionCases() throws IOException {
        try (var files = Files.list(ReferenceData.dir().resolve("resolution"))) {
            return files.filter(p -> !p.getFileName().toString().startsWith("_")).sorted().toList();
        }
    }

    private static final Pattern STATUS = Pattern.compile("\"(quant_retrain|prune_or_compressed_api)\":\\s*\\{\\s*\"status\":\\s*\"(\\w+)\"");
    private static final Pattern CFG_FILE = Pattern.compile("\"cfg_file\":\\s*\"([^\"]+)\"");

    /** Our model-free errors are never stricter than AMCT: an error here means AMCT rejected the case too. */
    @ParameterizedTest
    @MethodSource("resolutionCases")
    void modelFreeErrorsAgreeWithAmctsVerdicts(Path caseFile) throws IOException {
        String json = Files.readString(caseFile);
        Matcher cfg = CFG_FILE.matcher(json);
        assertTrue(cfg.find());
        RetrainConfig config = RetrainConfig.read(ReferenceData.dir().resolve(cfg.group(1)));
        Matcher status = STATUS.matcher(json);
        List<String> checked = new ArrayList<>();
        while (status.find()) {
            Mode mode = status.group(1).equals("quant_retrain") ? Mode.QUANT : Mode.COMPRESSED;
            Diagnostics d = config.validate(mode);
            if (d.hasErrors()) {
                assertEquals("error", status.group(2), caseFile.getFileName() + " " + mode + ": we reject but AMCT accepts:\n" + d);
            }
            checked.add(status.group(1));
        }
        assertEquals(List.of("quant_retrain", "prune_or_compressed_api"), checked);
    }
}
