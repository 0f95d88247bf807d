package io.amctkit.dsl.examples;

import io.amctkit.dsl.RetrainConfig;

import java.util.LinkedHashMap;
import java.util.Map;

import static io.amctkit.dsl.Amct.*;

/**
 * The five sample configs of AMCT's simplified-config document (quant.cfg, prune.cfg, selective_prune.cfg,
 * compressed1.cfg, compressed2.cfg), written in the DSL with the document's placeholder names "Opname"/"Optype".
 * Each equals the message of the document's text.
 */
public final class SeedConfigs {

    private SeedConfigs() {
    }

    /** quant.cfg: ULQ activations clipped to [-6, 6], channel-wise ARQ weights, one type and one layer override. */
    public static RetrainConfig quant() {
        return config()
                .activations(ulq().clipRange(-6.0, 6.0).fixedMin(true).dstType(INT8))
                .weights(arq().channelWise(true).dstType(INT8))
                .skipLayers("Opname")
                .skipLayerTypes("Optype")
                .override(layerType("Optype").weights(arq().channelWise(false).dstType(INT8)))
                .override(layer("Opname").activations(ulq().clipRange(-3.0, 3.0).dstType(INT8)));
    }

    /** prune.cfg: filter pruning of 30 % (50 % on one layer), Ascend-optimized. */
    public static RetrainConfig prune() {
        return config()
                .prune(filterPrune(0.3).ascendOptimized(true))
                .regularPruneSkipLayers("Opname", "Opname")
                .override(layer("Opname").prune(filterPrune(0.5).ascendOptimized(true)));
    }

    /** selective_prune.cfg: 2:4 sparsity computed once (every forward on one layer). */
    public static RetrainConfig selectivePrune() {
        return config()
                .prune(io.amctkit.dsl.Amct.selectivePrune().nOutOfMType(M4N2).updateFreq(0))
                .regularPruneSkipLayers("Opname", "Opname")
                .override(layer("Opname").prune(io.amctkit.dsl.Amct.selectivePrune().nOutOfMType(M4N2).updateFreq(1)));
    }

    /** compressed1.cfg: filter pruning then INT8 QAT. */
    public static RetrainConfig compressed1() {
        return config()
                .prune(filterPrune(0.3).ascendOptimized(true))
                .skipLayerTypes("Optype")
                .quantSkipLayers("Opname")
                .quantSkipTypes("Optype")
                .weights(arq().channelWise(true).dstType(INT8))
                .override(layerType("Optype")
                        .weights(arq().channelWise(false).dstType(INT8))
                        .activations(ulq().clipRange(-6.0, 6.0))
                        .prune(filterPrune(0.5).ascendOptimized(true)));
    }

    /** compressed2.cfg: 2:4 sparsity then INT8 QAT. */
    public static RetrainConfig compressed2() {
        return config()
                .prune(io.amctkit.dsl.Amct.selectivePrune().nOutOfMType(M4N2).updateFreq(0))
                .skipLayerTypes("Optype")
                .quantSkipLayers("quant_skip_layers_name_0")
                .quantSkipTypes("Optype")
                .weights(arq().channelWise(true).dstType(INT8))
                .override(layerType("Optype")
                        .weights(arq().channelWise(false).dstType(INT8))
                        .activations(ulq().clipRange(-6.0, 6.0))
                        .prune(io.amctkit.dsl.Amct.selectivePrune().nOutOfMType(M4N2).updateFreq(1)));
    }

    /** All five by their document names (quant, prune, selective_prune, compressed1, compressed2), in order. */
    public static Map<String, RetrainConfig> all() {
        Map<String, RetrainConfig> all = new LinkedHashMap<>();
        all.put("quant", quant());
        all.put("prune", prune());
        all.put("selective_prune", selectivePrune());
        all.put("compressed1", compressed1());
        all.put("compressed2", compressed2());
        return all;
    }
}
