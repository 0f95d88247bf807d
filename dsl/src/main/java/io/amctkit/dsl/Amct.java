package io.amctkit.dsl;

import io.amctkit.dsl.proto.AMCTRetrainConfig;
import io.amctkit.dsl.proto.ActULQquantize;
import io.amctkit.dsl.proto.DataType;
import io.amctkit.dsl.proto.NOutOfMType;
import io.amctkit.dsl.proto.L1SelectivePruner;

import java.nio.file.Path;

/**
 * The one entry point of the config DSL: {@code import static io.amctkit.dsl.Amct.*;} and every {@code .cfg} can be
 * written as a Java expression that reads like the file.
 *
 * <pre>{@code
 * RetrainConfig quant = config()
 *     .activations(ulq().clipRange(-6, 6).fixedMin(true).dstType(INT8))
 *     .weights(arq().channelWise(true).dstType(INT8))
 *     .skipLayers("fc")
 *     .override(layerType("Linear").weights(arq().channelWise(false)))
 *     .override(layer("layer1.0.conv1").activations(ulq().clipRange(-3, 3)));
 * quant.validate(Mode.QUANT);
 * quant.writeTo(Path.of("quant.cfg"));
 * }</pre>
 */
public final class Amct {

    /** Data types of {@code dst_type}. */
    public static final DataType INT4 = DataType.INT4;
    public static final DataType INT8 = DataType.INT8;
    public static final DataType INT16 = DataType.INT16;
    /** The only N-out-of-M pattern: keep 2 of every 4 weights. */
    public static final NOutOfMType M4N2 = NOutOfMType.M4N2;
    /** {@code fakequant_precision_mode}: scale_d rounded to float16 in the fake-quant model. */
    public static final AMCTRetrainConfig.FakequantPrecisionMode FORCE_FP16_QUANT =
            AMCTRetrainConfig.FakequantPrecisionMode.FORCE_FP16_QUANT;
    public static final Mode QUANT = Mode.QUANT;
    public static final Mode PRUNE = Mode.PRUNE;
    public static final Mode COMPRESSED = Mode.COMPRESSED;

    private Amct() {
    }

    /** An empty config (valid in quant mode: every capable layer quantized with AMCT's defaults). */
    public static RetrainConfig config() {
        return RetrainConfig.empty();
    }

    /** Activation quantization by ULQ ({@code ulq_quantize}). */
    public static ActivationQuant ulq() {
        return new ActivationQuant(ActULQquantize.getDefaultInstance());
    }

    /** Weight quantization by ARQ ({@code arq_retrain}), AMCT's default. */
    public static WeightQuant arq() {
        return WeightQuant.arq();
    }

    /** Weight quantization by ULQ with a learned scale ({@code ulq_retrain}). */
    public static WeightQuant weightUlq() {
        return WeightQuant.ulq();
    }

    /** A clip range, lower bound first: {@code clipRange(-6, 6)}. */
    public static ClipRange clipRange(double clipMin, double clipMax) {
        return ClipRange.of(clipMin, clipMax);
    }

    /** Balanced-L2 filter pruning removing {@code pruneRatio} of each layer's filters (0 &lt; r &lt; 1). */
    public static FilterPrune filterPrune(double pruneRatio) {
        return FilterPrune.ofRatio(pruneRatio);
    }

    /** 2:4 structured pruning by L1 selection ({@code l1_selective_prune}). */
    public static SelectivePrune selectivePrune() {
        return new SelectivePrune(L1SelectivePruner.getDefaultInstance());
    }

    /** An override for the layer (module) named {@code layerName}. */
    public static LayerOverride layer(String layerName) {
        return new LayerOverride(layerName, OverrideParts.EMPTY);
    }

    /** An override for every layer of module type {@code layerType} (such as {@code Conv2d}). */
    public static TypeOverride layerType(String layerType) {
        return new TypeOverride(layerType, OverrideParts.EMPTY);
    }

    /** Reads a {@code .cfg} file. */
    public static RetrainConfig read(Path file) {
        return RetrainConfig.read(file);
    }

    /** Reads a {@code .cfg} file given as a path string (handy in JShell). */
    public static RetrainConfig read(String file) {
        return RetrainConfig.read(Path.of(file));
    }

    /** Parses {@code .cfg} text. */
    public static RetrainConfig parse(String cfgText) {
        return RetrainConfig.parse(cfgText);
    }
}
