package io.amctkit.dsl.resolve;

import io.amctkit.dsl.LayerTypes;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.proto.AMCTRetrainConfig;
import io.amctkit.dsl.proto.ARQRetrain;
import io.amctkit.dsl.proto.ActULQquantize;
import io.amctkit.dsl.proto.BalancedL2NormFilterPruner;
import io.amctkit.dsl.proto.ClipMaxMin;
import io.amctkit.dsl.proto.DataType;
import io.amctkit.dsl.proto.FilterPruner;
import io.amctkit.dsl.proto.L1SelectivePruner;
import io.amctkit.dsl.proto.NOutOfMPruner;
import io.amctkit.dsl.proto.PruneConfig;
import io.amctkit.dsl.proto.RetrainDataQuantConfig;
import io.amctkit.dsl.proto.RetrainOverrideLayer;
import io.amctkit.dsl.proto.RetrainOverrideLayerType;
import io.amctkit.dsl.proto.RetrainWeightQuantConfig;
import io.amctkit.dsl.proto.WtsULQRetrain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The shortest config found that resolves to the same AMCT result: a global quantizer and prune config, type
 * overrides where a whole type agrees, name overrides for the rest, and skips for disabled layers. Candidates are
 * verified by resolving them; the original config is kept when no candidate is shorter, so the result is never
 * longer than the original and always resolves identically.
 */
public final class MinimalConfig {

    /** The quantization a layer should end with, as the explicit parts an override would need. */
    private record QBlock(Optional<RetrainDataQuantConfig> data, Optional<RetrainWeightQuantConfig> weights) {
        boolean isDefault() {
            return data.isEmpty() && weights.isEmpty();
        }
    }

    /** The pruning a layer should end with. */
    private record PBlock(String kind, Optional<Float> ratio, boolean ascend, long updateFreq) {
        PruneConfig toProto() {
            if (kind.equals(PrunePlan.FILTER)) {
                BalancedL2NormFilterPruner.Builder b = BalancedL2NormFilterPruner.newBuilder();
                ratio.ifPresent(b::setPruneRatio);
                if (!ascend) {
                    b.setAscendOptimized(false);
                }
                return PruneConfig.newBuilder().setFilterPruner(FilterPruner.newBuilder().setBalancedL2NormFilterPrune(b)).build();
            }
            L1SelectivePruner.Builder b = L1SelectivePruner.newBuilder();
            if (updateFreq != 0) {
                b.setUpdateFreq((int) updateFreq);
            }
            return PruneConfig.newBuilder().setNOutOfMPruner(NOutOfMPruner.newBuilder().setL1SelectivePrune(b)).build();
        }
    }

    private final Resolution target;
    private final Map<String, Object> targetJson;
    private final List<LayerPlan> quantLayers;
    private final List<LayerPlan> pruneLayers;

    private MinimalConfig(Resolution target) {
        this.target = target;
        this.targetJson = target.toAmctJson();
        this.quantLayers = target.plans().stream().filter(p -> p.quant().isPresent()).toList();
        this.pruneLayers = target.plans().stream().filter(p -> p.prune().isPresent()).toList();
    }

    /** The shortest config found that resolves, on the same layers and in the same mode, to {@code resolution}. */
    public static RetrainConfig of(Resolution resolution) {
        if (!resolution.isAccepted()) {
            throw new IllegalArgumentException("AMCT rejects this config; there is no result to reproduce");
        }
        return new MinimalConfig(resolution).search();
    }

    private RetrainConfig search() {
        RetrainConfig best = RetrainConfig.of(target.config().toProto());
        int bestLength = best.toString().length();
        for (AMCTRetrainConfig candidate : candidates()) {
            RetrainConfig c = RetrainConfig.of(candidate);
            int length = c.toString().length();
            if (length < bestLength && reproduces(c)) {
                best = c;
                bestLength = length;
            }
        }
        return best;
    }

    private boolean reproduces(RetrainConfig candidate) {
        Resolution r = Resolver.resolve(candidate, target.layers(), target.mode());
        return r.isAccepted() && r.toAmctJson().equals(targetJson);
    }

    // ---- candidate generation -----------------------------------------------------------------------------

    private List<AMCTRetrainConfig> candidates() {
        List<AMCTRetrainConfig> out = new ArrayList<>();
        List<Optional<QBlock>> globals = new ArrayList<>();
        if (quantLayers.isEmpty()) {
            globals.add(Optional.empty());
        } else {
            globals.add(Optional.empty());
            mostCommon(quantLayers.stream().map(this::qblock).toList(), 4).forEach(b -> globals.add(Optional.of(b)));
        }
        List<Optional<String>> kinds = new ArrayList<>();
        kinds.add(Optional.empty());
        if (!pruneLayers.isEmpty()) {
            kinds.add(Optional.of(PrunePlan.FILTER));
            kinds.add(Optional.of(PrunePlan.SELECTIVE));
        }
        for (Optional<QBlock> global : globals) {
            for (Optional<String> kind : kinds) {
                for (boolean typeOverrides : new boolean[]{true, false}) {
                    out.add(build(global, kind, typeOverrides));
                }
            }
        }
        return out;
    }

    private AMCTRetrainConfig build(Optional<QBlock> global, Optional<String> pruneKind, boolean typeOverrides) {
        AMCTRetrainConfig.Builder cfg = AMCTRetrainConfig.newBuilder();
        if (target.batchNum().isPresent() && target.batchNum().get() != 1) {
            cfg.setBatchNum(target.batchNum().get().intValue());
        }
        if (target.forceFp16Quant()) {
            cfg.setFakequantPrecisionMode(AMCTRetrainConfig.FakequantPrecisionMode.FORCE_FP16_QUANT);
        }
        Map<String, RetrainOverrideLayer.Builder> byName = new LinkedHashMap<>();
        Map<String, RetrainOverrideLayerType.Builder> byType = new LinkedHashMap<>();
        if (!quantLayers.isEmpty()) {
            quant(cfg, global, typeOverrides, byName, byType);
        }
        if (!pruneLayers.isEmpty()) {
            prune(cfg, pruneKind, typeOverrides, byName, byType);
        }
        byType.values().forEach(cfg::addOverrideLayerTypes);
        byName.values().forEach(cfg::addOverrideLayerConfigs);
        return cfg.buildPartial();
    }

    private void quant(AMCTRetrainConfig.Builder cfg, Optional<QBlock> global, boolean typeOverrides,
                       Map<String, RetrainOverrideLayer.Builder> byName, Map<String, RetrainOverrideLayerType.Builder> byType) {
        boolean noDefault = target.mode() != io.amctkit.dsl.Mode.QUANT;
        boolean hasGlobal = global.isPresent() || !noDefault;
        QBlock g = global.orElse(new QBlock(Optional.empty(), Optional.empty()));
        if (global.isPresent()) {
            cfg.setRetrainDataQuantConfig(g.data().orElse(RetrainDataQuantConfig.newBuilder()
                    .setUlqQuantize(ActULQquantize.getDefaultInstance()).build()));
            g.weights().ifPresent(cfg::setRetrainWeightQuantConfig);
        }
        Map<String, List<LayerPlan>> byLayerType = quantLayers.stream()
                .collect(Collectors.groupingBy(p -> p.layer().type(), LinkedHashMap::new, Collectors.toList()));
        for (Map.Entry<String, List<LayerPlan>> type : byLayerType.entrySet()) {
            List<LayerPlan> all = type.getValue();
            List<LayerPlan> needing = all.stream().filter(p -> p.isQuantized() && !(hasGlobal && covers(g, p))).toList();
            Optional<QBlock> typeBlock = Optional.empty();
            if (typeOverrides && !needing.isEmpty() && all.stream().allMatch(LayerPlan::isQuantized)) {
                QBlock candidate = mostCommon(all.stream().map(this::qblock).toList(), 1).get(0);
                long uncovered = all.stream().filter(p -> !covers(candidate, p)).count();
                if (1 + uncovered < needing.size()) {
                    typeBlock = Optional.of(candidate);
                    RetrainOverrideLayerType.Builder o = byType.computeIfAbsent(type.getKey(),
                            t -> RetrainOverrideLayerType.newBuilder().setLayerType(t));
                    setQuant(o::setRetrainDataQuantConfig, o::setRetrainWeightQuantConfig, candidate);
                }
            }
            for (LayerPlan p : all) {
                boolean covered = typeBlock.map(b -> covers(b, p)).orElse(p.isQuantized() ? hasGlobal && covers(g, p) : true);
                if (p.isQuantized() && !covered) {
                    RetrainOverrideLayer.Builder o = byName.computeIfAbsent(p.name(),
                            n -> RetrainOverrideLayer.newBuilder().setLayerName(n));
                    QBlock b = qblock(p);
                    setQuant(o::setRetrainDataQuantConfig, o::setRetrainWeightQuantConfig, b);
                    if (b.isDefault()) {
                        o.setRetrainDataQuantConfig(RetrainDataQuantConfig.newBuilder().setUlqQuantize(ActULQquantize.getDefaultInstance()));
                    }
                }
            }
            boolean allOff = all.stream().noneMatch(LayerPlan::isQuantized);
            if (hasGlobal && allOff && typeBlock.isEmpty()) {
                cfg.addQuantSkipTypes(type.getKey());
            } else if (hasGlobal) {
                all.stream().filter(p -> !p.isQuantized()).forEach(p -> cfg.addQuantSkipLayers(p.name()));
            }
        }
    }

    private void prune(AMCTRetrainConfig.Builder cfg, Optional<String> kind, boolean typeOverrides,
                       Map<String, RetrainOverrideLayer.Builder> byName, Map<String, RetrainOverrideLayerType.Builder> byType) {
        Optional<PBlock> global = kind.flatMap(k -> mostCommon(pruneLayers.stream().map(this::pblock)
                .filter(b -> b.kind().equals(k)).toList(), 1).stream().findFirst());
        if (kind.isPresent() && global.isEmpty()) {
            global = Optional.of(kind.get().equals(PrunePlan.FILTER)
                    ? new PBlock(PrunePlan.FILTER, Optional.of(0.5f), true, 0) : new PBlock(PrunePlan.SELECTIVE, Optional.empty(), true, 0));
        }
        global.ifPresent(g -> cfg.setPruneConfig(g.toProto()));
        Optional<PBlock> g = global;
        Map<String, List<LayerPlan>> byLayerType = pruneLayers.stream()
                .collect(Collectors.groupingBy(p -> p.layer().type(), LinkedHashMap::new, Collectors.toList()));
        for (Map.Entry<String, List<LayerPlan>> type : byLayerType.entrySet()) {
            List<LayerPlan> all = type.getValue();
            List<LayerPlan> needing = all.stream().filter(p -> g.map(x -> !x.equals(pblock(p))).orElse(true)).toList();
            Set<PBlock> distinct = needing.stream().map(this::pblock).collect(Collectors.toCollection(LinkedHashSet::new));
            long typeLayers = target.layers().stream().filter(l -> l.type().equals(type.getKey())).count();
            if (typeOverrides && needing.size() > 1 && distinct.size() == 1 && needing.size() == all.size() && all.size() == typeLayers) {
                RetrainOverrideLayerType.Builder o = byType.computeIfAbsent(type.getKey(),
                        t -> RetrainOverrideLayerType.newBuilder().setLayerType(t));
                o.setPruneConfig(distinct.iterator().next().toProto());
                keepQuantOfType(o, type.getKey(), byName);
            } else {
                for (LayerPlan p : needing) {
                    RetrainOverrideLayer.Builder o = byName.computeIfAbsent(p.name(),
                            n -> RetrainOverrideLayer.newBuilder().setLayerName(n));
                    o.setPruneConfig(pblock(p).toProto());
                    if (!o.hasRetrainDataQuantConfig() && !o.hasRetrainWeightQuantConfig()) {
                        p.quant().filter(QuantPlan::enabled).ifPresent(q ->
                                setQuant(o::setRetrainDataQuantConfig, o::setRetrainWeightQuantConfig, qblock(p)));
                    }
                }
            }
            boolean allOff = all.stream().noneMatch(LayerPlan::isPruned);
            if (allOff && kind.isPresent() && prunableTypes(kind.get()).contains(type.getKey())
                    && all.size() == typeLayers) {
                cfg.addRegularPruneSkipTypes(type.getKey());
            } else {
                all.stream().filter(p -> !p.isPruned()).forEach(p -> cfg.addRegularPruneSkipLayers(p.name()));
            }
        }
    }

    /** A type override for pruning also replaces the type's quantizers: carry the type's quant block if it has one. */
    private void keepQuantOfType(RetrainOverrideLayerType.Builder o, String type, Map<String, RetrainOverrideLayer.Builder> byName) {
        if (o.hasRetrainDataQuantConfig() || o.hasRetrainWeightQuantConfig()) {
            return;
        }
        List<LayerPlan> ofType = quantLayers.stream().filter(p -> p.layer().type().equals(type)).toList();
        if (ofType.isEmpty()) {
            return;
        }
        QBlock b = mostCommon(ofType.stream().map(this::qblock).toList(), 1).get(0);
        setQuant(o::setRetrainDataQuantConfig, o::setRetrainWeightQuantConfig, b);
        for (LayerPlan p : ofType) {
            if (!covers(b, p) && !byName.containsKey(p.name())) {
                RetrainOverrideLayer.Builder n = RetrainOverrideLayer.newBuilder().setLayerName(p.name());
                setQuant(n::setRetrainDataQuantConfig, n::setRetrainWeightQuantConfig, qblock(p));
                byName.put(p.name(), n);
            }
        }
    }

    private static List<String> prunableTypes(String kind) {
        return kind.equals(PrunePlan.FILTER) ? LayerTypes.FILTER_PRUNABLE_TYPES : LayerTypes.SELECTIVE_PRUNABLE_TYPES;
    }

    private static void setQuant(Function<RetrainDataQuantConfig, ?> data, Function<RetrainWeightQuantConfig, ?> weights, QBlock b) {
        b.data().ifPresent(data::apply);
        b.weights().ifPresent(weights::apply);
    }

    // ---- blocks -------------------------------------------------------------------------------------------

    /** The explicit parts an override needs so that this layer ends with its target quantization. */
    private QBlock qblock(LayerPlan plan) {
        QuantPlan q = plan.quant().orElseThrow();
        Optional<RetrainDataQuantConfig> data = Optional.empty();
        if (!q.ifmrInit() || q.fixedMin().isPresent() || q.activationType() != DataType.INT8) {
            ActULQquantize.Builder ulq = ActULQquantize.newBuilder();
            if (!q.ifmrInit()) {
                ulq.setClipMaxMin(ClipMaxMin.newBuilder().setClipMax(q.clipMax().get()).setClipMin(q.clipMin().get()));
            }
            q.fixedMin().ifPresent(ulq::setFixedMin);
            if (q.activationType() != DataType.INT8) {
                ulq.setDstType(q.activationType());
            }
            data = Optional.of(RetrainDataQuantConfig.newBuilder().setUlqQuantize(ulq).build());
        }
        boolean defaultChannelWise = q.channelWise() == LayerTypes.defaultChannelWise(plan.layer().type());
        DataType weightType = q.int4Downgraded() ? DataType.INT4 : q.weightType();
        Optional<RetrainWeightQuantConfig> weights = Optional.empty();
        if (!q.weightAlgo().equals("arq_retrain") || !defaultChannelWise || weightType != DataType.INT8) {
            RetrainWeightQuantConfig.Builder w = RetrainWeightQuantConfig.newBuilder();
            if (q.weightAlgo().equals("arq_retrain")) {
                ARQRetrain.Builder arq = ARQRetrain.newBuilder();
                if (!defaultChannelWise) {
                    arq.setChannelWise(q.channelWise());
                }
                if (weightType != DataType.INT8) {
                    arq.setDstType(weightType);
                }
                w.setArqRetrain(arq);
            } else {
                WtsULQRetrain.Builder ulq = WtsULQRetrain.newBuilder();
                if (!defaultChannelWise) {
                    ulq.setChannelWise(q.channelWise());
                }
                if (weightType != DataType.INT8) {
                    ulq.setDstType(weightType);
                }
                w.setUlqRetrain(ulq);
            }
            weights = Optional.of(w.build());
        }
        return new QBlock(data, weights);
    }

    /** Whether a layer given {@code block} (as global or type override) ends with its target quantization. */
    private boolean covers(QBlock block, LayerPlan plan) {
        QuantPlan q = plan.quant().orElseThrow();
        QBlock own = qblock(plan);
        if (!Objects.equals(block.data(), own.data())) {
            return false;
        }
        RetrainWeightQuantConfig w = block.weights().orElse(RetrainWeightQuantConfig.getDefaultInstance());
        String algo = w.hasUlqRetrain() ? "ulq_retrain" : "arq_retrain";
        boolean explicitCw = w.hasUlqRetrain() ? w.getUlqRetrain().hasChannelWise() : w.getArqRetrain().hasChannelWise();
        boolean cwValue = w.hasUlqRetrain() ? w.getUlqRetrain().getChannelWise() : w.getArqRetrain().getChannelWise();
        boolean cw = explicitCw ? cwValue : LayerTypes.defaultChannelWise(plan.layer().type());
        if (cw && LayerTypes.NOT_CHANNEL_WISE.contains(plan.layer().type())) {
            return false;
        }
        DataType type = w.hasUlqRetrain() ? w.getUlqRetrain().getDstType() : w.getArqRetrain().getDstType();
        if (type == DataType.INT4 && !plan.layer().isInt4Packable()) {
            type = DataType.INT8;
        }
        return algo.equals(q.weightAlgo()) && cw == q.channelWise() && type == q.weightType();
    }

    private PBlock pblock(LayerPlan plan) {
        PrunePlan p = plan.prune().orElseThrow();
        return new PBlock(p.pruneType(), p.pruneRatio(), p.ascendOptimized(), p.updateFreq());
    }

    private static <T> List<T> mostCommon(List<T> items, int limit) {
        Map<T, Long> counts = items.stream().collect(Collectors.groupingBy(Function.identity(), LinkedHashMap::new, Collectors.counting()));
        return counts.entrySet().stream().sorted(Map.Entry.<T, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(limit).map(Map.Entry::getKey).toList();
    }
}
