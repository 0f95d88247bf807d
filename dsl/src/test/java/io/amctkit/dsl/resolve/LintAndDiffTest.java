package io.amctkit.dsl.resolve;

import io.amctkit.dsl.Diagnostic;
import io.amctkit.dsl.Diagnostics;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.amctkit.dsl.Amct.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lint against a layer list, and the field-by-field diff of two resolutions. */
class LintAndDiffTest {

    static final List<Layer> MODEL = List.of(Layer.of("layer1.0.conv1", "Conv2d", 64, 64, 1),
            Layer.of("layer1.0.conv2", "Conv2d", 64, 64, 1), Layer.of("fc", "Linear", 64, 10, 1));

    private static Diagnostic only(Diagnostics d, String code) {
        List<Diagnostic> found = d.items().stream().filter(x -> x.code().equals(code)).toList();
        assertEquals(1, found.size(), d.toString());
        return found.get(0);
    }

    @Test
    void unknownNamesAndTypesGetADidYouMeanFromTheModel() {
        RetrainConfig c = RetrainConfig.parse("t.cfg", "skip_layers: \"layer1.0.cnv1\"\nquant_skip_types: \"Conv1d\"\n"
                + "override_layer_configs { layer_name: \"fc1\" }");
        Diagnostics d = Lint.check(c, MODEL);
        assertEquals(3, d.errors().size(), d.toString());
        assertTrue(d.items().get(0).message().contains("did you mean 'layer1.0.conv1'?"), d.toString());
        assertEquals("t.cfg:1:1", d.items().get(0).position().orElseThrow().toString());
        assertTrue(d.toString().contains("no layer of type 'Conv1d' in the model"), d.toString());
        assertTrue(d.toString().contains("did you mean 'fc'?"), d.toString());
    }

    @Test
    void aTypeOverrideShadowedByNameOverridesOnEveryLayerIsAWarning() {
        RetrainConfig c = config().override(layerType("Linear").weights(arq().channelWise(false)))
                .override(layer("fc").activations(ulq().clipRange(-1, 1)));
        assertTrue(only(Lint.check(c, MODEL), "LINT-TYPE-SHADOWED").message().contains("every Linear layer"));
    }

    @Test
    void skippedAndOverriddenSaysWhichWinsForEachFeature() {
        RetrainConfig c = config().skipLayers("layer1.0.conv2").override(layer("layer1.0.conv2").prune(filterPrune(0.5)));
        Diagnostic d = only(Lint.check(c, MODEL), "LINT-SKIPPED-AND-OVERRIDDEN");
        assertTrue(d.message().contains("for quantization the override wins") && d.message().contains("for pruning the skip wins"));
        Resolution r = Resolver.resolve(c.prune(filterPrune(0.3)), MODEL, Mode.COMPRESSED);
        LayerPlan plan = r.plan("layer1.0.conv2").orElseThrow();
        assertTrue(plan.isQuantized() == false && plan.prune().isPresent() && !plan.isPruned(), r.explain("layer1.0.conv2"));
    }

    @Test
    void diffListsEachChangedFieldOfEachLayer() {
        RetrainConfig a = config().activations(ulq().clipRange(-6, 6));
        RetrainConfig b = a.override(layer("fc").activations(ulq().clipRange(-2, 2)));
        List<ConfigDiff.Change> changes = ConfigDiff.between(Resolver.resolve(a, MODEL, Mode.QUANT), Resolver.resolve(b, MODEL, Mode.QUANT));
        assertEquals(List.of("fc  retrain_data_config.clip_max: 6.0 -> 2.0", "fc  retrain_data_config.clip_min: -6.0 -> -2.0"),
                changes.stream().map(Object::toString).toList());
        List<ConfigDiff.Change> twoModels = ConfigDiff.between(Resolver.resolve(a, MODEL, Mode.QUANT),
                Resolver.resolve(a, MODEL.subList(0, 2), Mode.QUANT));
        assertTrue(twoModels.stream().anyMatch(ch -> ch.layer().equals("fc") && ch.after() == null), twoModels.toString());
        RetrainConfig invalid = a.weights(arq().channelWise(true));
        List<ConfigDiff.Change> verdict = ConfigDiff.between(Resolver.resolve(a, MODEL, Mode.QUANT), Resolver.resolve(invalid, MODEL, Mode.QUANT));
        assertEquals("verdict", verdict.get(0).field());
    }

    @Test
    void explainCoversEveryDecidedField() {
        RetrainConfig c = RetrainConfig.parse("q.cfg", "retrain_data_quant_config { ulq_quantize { clip_max_min { clip_max: 6 clip_min: -6 } fixed_min: true } }\n"
                + "retrain_weight_quant_config { arq_retrain { dst_type: INT4 } }\n"
                + "override_layer_configs { layer_name: \"layer1.0.conv1\" retrain_weight_quant_config { arq_retrain { dst_type: INT4 } } }");
        List<Layer> model = List.of(Layer.of("layer1.0.conv1", "Conv2d", 3, 64, 1), Layer.of("fc", "Linear", 64, 10, 1));
        Resolution r = Resolver.resolve(c, model, Mode.QUANT);
        String conv = r.explain("layer1.0.conv1");
        assertTrue(conv.contains("clip range by IFMR"), conv);
        assertTrue(conv.contains("global clip_max_min fixed_min is dropped"), conv);
        assertTrue(conv.contains("INT4 weights downgraded to INT8"), conv);
        assertTrue(conv.contains("(line 3)"), conv);
        String fc = r.explain("fc");
        assertTrue(fc.contains("channel_wise forced false by layer type Linear"), fc);
        assertTrue(fc.contains("clip [-6.0, 6.0]") && fc.contains("retrain_data_quant_config (line 1)"), fc);
        assertEquals(1, r.warnings().stream().filter(w -> w.code().equals("INT4-DOWNGRADED")).count());
    }
}
