package io.amctkit.dsl;

import io.amctkit.dsl.examples.SeedConfigs;
import io.amctkit.dsl.proto.AMCTRetrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.amctkit.dsl.Amct.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DSL writes every seed config, its values are immutable, and misuse fails at the call with AMCT's rule. */
class DslTest {

    @ParameterizedTest
    @ValueSource(strings = {"quant", "prune", "selective_prune", "compressed1", "compressed2"})
    void eachSeedInTheDslEqualsTheSeedText(String name) throws Exception {
        Path seed = ReferenceData.dir().resolve("cfg/seed_template_" + name + ".cfg");
        RetrainConfig fromText = RetrainConfig.read(seed);
        RetrainConfig fromDsl = SeedConfigs.all().get(name);
        assertEquals(fromText.toProto(), fromDsl.toProto());
        assertEquals(fromText, fromDsl);
        assertFalse(fromDsl.validate().hasErrors(), fromDsl.validate().toString());
    }

    @Test
    void eachSeedIsAtMost25LinesOfDsl() throws Exception {
        String source = Files.readString(Path.of("src/main/java/io/amctkit/dsl/examples/SeedConfigs.java"));
        for (String method : new String[]{"quant", "prune", "selectivePrune", "compressed1", "compressed2"}) {
            int start = source.indexOf("public static RetrainConfig " + method + "()");
            int end = source.indexOf("\n    }\n", start);
            long lines = source.substring(start, end).lines().count();
            assertTrue(lines <= 25, method + " has " + lines + " lines");
        }
    }

    @Test
    void valuesAreImmutable() {
        RetrainConfig base = config().skipLayers("a");
        RetrainConfig more = base.skipLayers("b").batchNum(4);
        assertEquals(1, base.toProto().getSkipLayersCount());
        assertEquals(2, more.toProto().getSkipLayersCount());
        assertFalse(base.toProto().hasBatchNum());
        ActivationQuant a = ulq();
        a.fixedMin(true);
        assertFalse(a.toProto().hasFixedMin());
    }

    @Test
    void toStringIsTheCfgTextAndProtoConvertsBothWays() {
        RetrainConfig c = SeedConfigs.compressed2();
        assertEquals(c, RetrainConfig.parse(c.toString()));
        AMCTRetrainConfig proto = c.toProto();
        assertEquals(c, RetrainConfig.of(proto));
        assertTrue(c.toString().contains("n_out_of_m_type: M4N2"));
        assertEquals("ulq_quantize {\n    fixed_min: true\n}", ulq().fixedMin(true).toString());
    }

    @Test
    void everyMessageAndFieldIsReachable() {
        RetrainConfig c = config()
                .batchNum(3)
                .fakequantPrecisionMode(FORCE_FP16_QUANT)
                .activations(ulq().clipRange(clipRange(-2, 4)).fixedMin(false).dstType(INT16))
                .weights(arq().channelWise(true).dstType(INT8))
                .prune(selectivePrune().nOutOfMType(M4N2).updateFreq(5))
                .skipLayers("s").skipLayerTypes("LSTM").quantSkipLayers("q").quantSkipTypes("GRU")
                .regularPruneSkipLayers("r").regularPruneSkipTypes("Linear")
                .override(layer("conv1").weights(weightUlq().channelWise(false).dstType(INT4)).prune(filterPrune(0.2).ascendOptimized(false)))
                .override(layerType("Conv2d").activations(ulq().dstType(INT8)));
        String text = c.toString();
        for (String field : new String[]{"batch_num: 3", "fakequant_precision_mode: FORCE_FP16_QUANT", "clip_min: -2.0",
                "fixed_min: false", "dst_type: INT16", "update_freq: 5", "ulq_retrain", "ascend_optimized: false",
                "quant_skip_types: \"GRU\"", "regular_prune_skip_types: \"Linear\"", "layer_type: \"Conv2d\""}) {
            assertTrue(text.contains(field), field + " missing in\n" + text);
        }
        assertEquals(c, RetrainConfig.parse(text));
        assertEquals(1, c.layerOverrides().size());
        assertEquals("Conv2d", c.typeOverrides().get(0).key());
    }

    @Test
    void clipRangeMisuseNamesTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ulq().clipRange(6, -6));
        assertEquals("clip_max_min: clip_min must be < 0 and clip_max > 0 (AMCT rule); got clip_min=6.0, clip_max=-6.0",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> clipRange(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> clipRange(Double.NaN, 1));
    }

    @Test
    void pruneRatioUpdateFreqAndBatchNumMisuseFailAtTheCall() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> filterPrune(1.0)).getMessage()
                .startsWith("balanced_l2_norm_filter_prune.prune_ratio: prune_ratio must be > 0 and < 1"));
        assertThrows(IllegalArgumentException.class, () -> filterPrune(0));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> selectivePrune().updateFreq(-1)).getMessage()
                .contains("update_freq must be >= 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> config().batchNum(0)).getMessage()
                .startsWith("batch_num must be > 0"));
    }

    @Test
    void dataTypeMisuseFailsAtTheCall() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ulq().dstType(INT4)).getMessage()
                .contains("INT4 activations are not supported"));
        IllegalArgumentException pair = assertThrows(IllegalArgumentException.class,
                () -> config().activations(ulq().dstType(INT16)).weights(arq().dstType(INT4)));
        assertTrue(pair.getMessage().contains("A16W4"), pair.getMessage());
        assertThrows(IllegalArgumentException.class, () -> config().weights(arq().dstType(INT16)));
        assertThrows(IllegalArgumentException.class,
                () -> layer("x").weights(arq().dstType(INT4)).activations(ulq().dstType(INT16)));
        config().activations(ulq().dstType(INT8)).weights(arq().dstType(INT4));   // A8W4 is fine
    }

    @Test
    void channelWiseOnALinearTypeOverrideFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> layerType("Linear").weights(arq().channelWise(true)));
        assertTrue(e.getMessage().contains("channel_wise must be false for Linear"), e.getMessage());
        layerType("Conv2d").weights(arq().channelWise(true));
    }

    @Test
    void repeatedOverridesFailAtTheCall() {
        RetrainConfig c = config().override(layer("fc").prune(filterPrune(0.5)));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.override(layer("fc"))).getMessage()
                .contains("already has layer 'fc'"));
        RetrainConfig t = config().override(layerType("Conv2d"));
        assertThrows(IllegalArgumentException.class, () -> t.override(layerType("Conv2d")));
        assertNotEquals(c, t);
    }
}
