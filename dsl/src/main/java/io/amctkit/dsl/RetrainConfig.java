package io.amctkit.dsl;

import io.amctkit.dsl.internal.AtomicFiles;
import io.amctkit.dsl.proto.AMCTRetrainConfig;
import io.amctkit.dsl.proto.DataType;
import io.amctkit.dsl.proto.RetrainOverrideLayer;
import io.amctkit.dsl.proto.RetrainOverrideLayerType;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An AMCT simplified retrain config ({@code AMCTRetrainConfig}, the {@code .cfg} file) as an immutable value: every
 * method returns a new config. {@link #toString()} is the canonical {@code .cfg} text; {@link #validate(Mode)} runs
 * AMCT's model-independent rules. Configs read from text remember where each field stands, so diagnostics point at
 * {@code file:line:col}. Equality is that of the protobuf message.
 */
public final class RetrainConfig {

    /** Largest {@code .cfg} accepted; real ones are a few KiB. */
    static final long MAX_CFG_BYTES = 16L << 20;

    private final AMCTRetrainConfig proto;
    private final SourceMap sources;

    private RetrainConfig(AMCTRetrainConfig proto, SourceMap sources) {
        this.proto = Objects.requireNonNull(proto, "proto");
        this.sources = sources;
    }

    static RetrainConfig empty() {
        return new RetrainConfig(AMCTRetrainConfig.getDefaultInstance(), SourceMap.NONE);
    }

    /** Wraps a protobuf message (for example one AMCT's tools produced); partial messages are allowed and validated. */
    public static RetrainConfig of(AMCTRetrainConfig proto) {
        return new RetrainConfig(proto, SourceMap.NONE);
    }

    /** Parses {@code .cfg} text; errors name {@code <string>} as the source. */
    public static RetrainConfig parse(String text) {
        return parse("<string>", text);
    }

    /** Parses {@code .cfg} text whose diagnostics name {@code sourceName}. */
    public static RetrainConfig parse(String sourceName, String text) {
        CfgParser.Parsed parsed = CfgParser.parse(sourceName, text);
        return new RetrainConfig(parsed.config(), parsed.sourceMap());
    }

    /** Reads a {@code .cfg} file (UTF-8 protobuf text format), exactly as AMCT's parser accepts it. */
    public static RetrainConfig read(Path file) {
        String source = file.toString();
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw ioError(source, "is a directory, not a .cfg file; give the path of the .cfg inside it");
            }
            long size = Files.size(file);
            if (size > MAX_CFG_BYTES) {
                throw ioError(source, "is " + size + " bytes, far larger than any .cfg (limit " + MAX_CFG_BYTES
                        + "); is this the right file?");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw ioError(source, "no such file; check the path");
        } catch (AccessDeniedException e) {
            throw ioError(source, "permission denied; make the file readable");
        } catch (IOException e) {
            throw ioError(source, "cannot be read: " + e.getMessage());
        }
        CfgParser.Parsed parsed = CfgParser.parse(source, bytes);
        return new RetrainConfig(parsed.config(), parsed.sourceMap());
    }

    private static CfgException ioError(String source, String message) {
        return new CfgException(List.of(Diagnostic.error("CFG-IO", "", message)), true, source);
    }

    // ---- global quantization ------------------------------------------------------------------------------

    /** The global activation quantizer ({@code retrain_data_quant_config}). */
    public RetrainConfig activations(ActivationQuant activations) {
        checkGlobalPair(activations.effectiveDstType(), globalWeightType());
        return with(proto.toBuilder().setRetrainDataQuantConfig(activations.toConfig()));
    }

    /** The global weight quantizer ({@code retrain_weight_quant_config}): {@code arq()} or {@code weightUlq()}. */
    public RetrainConfig weights(WeightQuant weights) {
        checkGlobalPair(proto.getRetrainDataQuantConfig().getUlqQuantize().getDstType(), weights.effectiveDstType());
        return with(proto.toBuilder().setRetrainWeightQuantConfig(weights.toProto()));
    }

    private DataType globalWeightType() {
        return proto.hasRetrainWeightQuantConfig() ? new WeightQuant(proto.getRetrainWeightQuantConfig()).effectiveDstType()
                : DataType.INT8;
    }

    private static void checkGlobalPair(DataType act, DataType weights) {
        AmctRules.typePair(act, weights).ifPresent(problem -> {
            throw new IllegalArgumentException("retrain_data_quant_config/retrain_weight_quant_config: " + problem);
        });
    }

    /** Batches IFMR calibrates on when a layer has no clip range ({@code batch_num}, > 0, default 1). */
    public RetrainConfig batchNum(long batchNum) {
        if (batchNum <= 0 || batchNum > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("batch_num must be > 0 (the number of batches IFMR calibrates on); got "
                    + batchNum);
        }
        return with(proto.toBuilder().setBatchNum((int) batchNum));
    }

    /** The fake-quant model's scale_d precision ({@code FORCE_FP16_QUANT}: scale_d rounded to float16). */
    public RetrainConfig fakequantPrecisionMode(AMCTRetrainConfig.FakequantPrecisionMode mode) {
        return with(proto.toBuilder().setFakequantPrecisionMode(mode));
    }

    // ---- pruning ------------------------------------------------------------------------------------------

    /** The global sparsity algorithm ({@code prune_config}): {@code filterPrune(r)} or {@code selectivePrune()}. */
    public RetrainConfig prune(Pruning pruning) {
        return with(proto.toBuilder().setPruneConfig(pruning.toProto()));
    }

    // ---- skip lists ---------------------------------------------------------------------------------------

    /** Layer names skipped by both quantization and pruning ({@code skip_layers}). */
    public RetrainConfig skipLayers(String... names) {
        return with(proto.toBuilder().addAllSkipLayers(entries("skip_layers", names)));
    }

    /** Layer types skipped by both quantization and pruning ({@code skip_layer_types}). */
    public RetrainConfig skipLayerTypes(String... types) {
        return with(proto.toBuilder().addAllSkipLayerTypes(entries("skip_layer_types", types)));
    }

    /** Layer names skipped by quantization only ({@code quant_skip_layers}). */
    public RetrainConfig quantSkipLayers(String... names) {
        return with(proto.toBuilder().addAllQuantSkipLayers(entries("quant_skip_layers", names)));
    }

    /** Layer types skipped by quantization only ({@code quant_skip_types}). */
    public RetrainConfig quantSkipTypes(String... types) {
        return with(proto.toBuilder().addAllQuantSkipTypes(entries("quant_skip_types", types)));
    }

    /** Layer names skipped by pruning only ({@code regular_prune_skip_layers}). */
    public RetrainConfig regularPruneSkipLayers(String... names) {
        return with(proto.toBuilder().addAllRegularPruneSkipLayers(entries("regular_prune_skip_layers", names)));
    }

    /** Layer types skipped by pruning only ({@code regular_prune_skip_types}). */
    public RetrainConfig regularPruneSkipTypes(String... types) {
        return with(proto.toBuilder().addAllRegularPruneSkipTypes(entries("regular_prune_skip_types", types)));
    }

    private static List<String> entries(String field, String... values) {
        for (String v : values) {
            if (v == null || v.isEmpty()) {
                throw new IllegalArgumentException(field + " entries must be non-empty names; got " + Arrays.toString(values));
            }
        }
        return List.of(values);
    }

    // ---- overrides ----------------------------------------------------------------------------------------

    /** Adds an override by layer name or by type; a second override for the same name or type fails, as in AMCT. */
    public RetrainConfig override(ConfigOverride override) {
        if (override instanceof LayerOverride layer) {
            if (proto.getOverrideLayerConfigsList().stream().anyMatch(o -> o.getLayerName().equals(layer.key()))) {
                throw new IllegalArgumentException("override_layer_configs already has layer '" + layer.key()
                        + "'; AMCT rejects repeated items: put all of its settings in one layer(...) override");
            }
            return with(proto.toBuilder().addOverrideLayerConfigs(layer.toProto()));
        }
        TypeOverride type = (TypeOverride) override;
        if (proto.getOverrideLayerTypesList().stream().anyMatch(o -> o.getLayerType().equals(type.key()))) {
            throw new IllegalArgumentException("override_layer_types already has type '" + type.key()
                    + "'; AMCT rejects repeated items: put all of its settings in one layerType(...) override");
        }
        return with(proto.toBuilder().addOverrideLayerTypes(type.toProto()));
    }

    /** The overrides by layer name, in file order. */
    public List<LayerOverride> layerOverrides() {
        return proto.getOverrideLayerConfigsList().stream().map(LayerOverride::of).toList();
    }

    /** The overrides by layer type, in file order. */
    public List<TypeOverride> typeOverrides() {
        return proto.getOverrideLayerTypesList().stream().map(TypeOverride::of).toList();
    }

    // ---- validation ---------------------------------------------------------------------------------------

    /** AMCT's model-independent rules for {@code mode}; positions point into the source when read from text. */
    public Diagnostics validate(Mode mode) {
        return ConfigValidator.validate(proto, mode, sources);
    }

    /** Validation in the mode the content implies ({@link #inferredMode()}). */
    public Diagnostics validate() {
        return validate(inferredMode());
    }

    /**
     * The mode this config is written for: {@code COMPRESSED} when it has both quantization and pruning fields,
     * {@code PRUNE} when it has only pruning fields, else {@code QUANT} (an empty config is a valid quant config).
     */
    public Mode inferredMode() {
        boolean prune = configuresPruning() || proto.getRegularPruneSkipLayersCount() > 0
                || proto.getRegularPruneSkipTypesCount() > 0;
        boolean quant = configuresQuantization() || proto.getQuantSkipLayersCount() > 0
                || proto.getQuantSkipTypesCount() > 0 || proto.hasBatchNum() || proto.hasFakequantPrecisionMode();
        if (prune) {
            return quant ? Mode.COMPRESSED : Mode.PRUNE;
        }
        return Mode.QUANT;
    }

    /**
     * Whether the config asks for quantization anywhere: a global retrain_data/weight_quant_config or an override
     * carrying one (AMCT's {@code parse_proto_enable}, which decides the compressed API's abilities).
     */
    public boolean configuresQuantization() {
        return proto.hasRetrainDataQuantConfig() || proto.hasRetrainWeightQuantConfig()
                || proto.getOverrideLayerConfigsList().stream().anyMatch(o -> o.hasRetrainDataQuantConfig() || o.hasRetrainWeightQuantConfig())
                || proto.getOverrideLayerTypesList().stream().anyMatch(o -> o.hasRetrainDataQuantConfig() || o.hasRetrainWeightQuantConfig());
    }

    /** Whether the config asks for pruning anywhere: a global prune_config or an override carrying one. */
    public boolean configuresPruning() {
        return proto.hasPruneConfig()
                || proto.getOverrideLayerConfigsList().stream().anyMatch(RetrainOverrideLayer::hasPruneConfig)
                || proto.getOverrideLayerTypesList().stream().anyMatch(RetrainOverrideLayerType::hasPruneConfig);
    }

    // ---- text and files -----------------------------------------------------------------------------------

    /** The canonical {@code .cfg} text with {@code header} as leading {@code #} comment lines. */
    public String toCfg(String header) {
        return CfgWriter.write(proto, header);
    }

    /**
     * Writes the canonical text to {@code file} atomically (temporary file, then move). An existing file is never
     * replaced; use {@link #writeTo(Path, boolean)} with {@code true} for that.
     */
    public Path writeTo(Path file) throws IOException {
        return writeTo(file, false);
    }

    public Path writeTo(Path file, boolean replaceExisting) throws IOException {
        try {
            AtomicFiles.writeString(file, toString(), replaceExisting);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(file.toString(), null,
                    "already exists; pass replaceExisting=true to overwrite it");
        }
        return file;
    }

    /**
     * Where {@code fieldPath} (for example {@code override_layer_configs[1].prune_config}) stands in the source this
     * config was read from, or the nearest enclosing block; empty for configs built in code.
     */
    public Optional<SourcePosition> positionOf(String fieldPath) {
        return sources.find(fieldPath);
    }

    /** The source name this config was read from ({@code <string>} for parsed text, empty when built in code). */
    public String sourceName() {
        return sources.source();
    }

    /** The protobuf message, for AMCT's own tools or binary serialisation. */
    public AMCTRetrainConfig toProto() {
        return proto;
    }

    /** A copy of this config with the given message and no source positions. */
    private RetrainConfig with(AMCTRetrainConfig.Builder builder) {
        return new RetrainConfig(builder.buildPartial(), SourceMap.NONE);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetrainConfig other && proto.equals(other.proto);
    }

    @Override
    public int hashCode() {
        return proto.hashCode();
    }

    /** The canonical {@code .cfg} text. */
    @Override
    public String toString() {
        return CfgWriter.write(proto, "");
    }
}
