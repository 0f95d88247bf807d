package io.amctkit.runtime.tuning;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.proto.AMCTRetrainConfig;
import io.amctkit.dsl.proto.RetrainOverrideLayer;
import io.amctkit.dsl.proto.RetrainOverrideLayerType;
import io.amctkit.dsl.resolve.Layer;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.dsl.resolve.Resolver;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A user's config with some layers left uncompressed, written only with what AMCT's {@code .cfg} expresses, and
 * checked by resolving it with AMCT's rules: every other layer must resolve exactly as before. AMCT's precedence
 * decides how: a layer to keep float goes into {@code quant_skip_layers}, but an override beats a quant skip, so its own
 * layer override is dropped and a type override covering it is spelled out as layer overrides for the type's other
 * layers; a layer to keep unpruned goes into {@code regular_prune_skip_layers} (a prune skip beats an override).
 */
final class ConfigRewrite {

    /** The rewritten config and, per change, what was done and why it was needed. */
    record Rewritten(RetrainConfig config, List<String> changes) {
    }

    private ConfigRewrite() {
    }

    /**
     * @throws IllegalArgumentException when AMCT's config cannot express it (a layer whose own override carries a
     *                                  prune config cannot be kept float) or the result would resolve other layers
     *                                  differently
     */
    static Rewritten of(RetrainConfig config, List<Layer> layers, Mode mode, Set<String> keepFloat, Set<String> keepUnpruned) {
        return of(config, layers, mode, keepFloat, keepUnpruned, Set.of());
    }

    /**
     * As above, and {@code int4} layers take INT4 weights (A8W4): each gets a layer override restating its resolved
     * quantization (an override replaces, it does not merge) with {@code dst_type: INT4} for the weights.
     */
    static Rewritten of(RetrainConfig config, List<Layer> layers, Mode mode, Set<String> keepFloat, Set<String> keepUnpruned,
                        Set<String> int4) {
        Rewritten base = int4.isEmpty() ? null : of(config, layers, mode, keepFloat, keepUnpruned, Set.of());
        if (base != null) {
            return withInt4(base, layers, mode, int4);
        }
        AMCTRetrainConfig.Builder b = config.toProto().toBuilder();
        List<String> changes = new ArrayList<>();
        Map<String, String> typeOf = new LinkedHashMap<>();
        layers.forEach(l -> typeOf.put(l.name(), l.type()));
        Resolution before = Resolver.resolve(config, layers, mode);
        for (String name : keepFloat) {
            for (int i = 0; i < b.getOverrideLayerConfigsCount(); i++) {
                RetrainOverrideLayer o = b.getOverrideLayerConfigs(i);
                if (o.getLayerName().equals(name)) {
                    if (o.hasPruneConfig()) {
                        throw new IllegalArgumentException(name + " has a layer override with a prune_config: AMCT quantizes every"
                                + " layer named in override_layer_configs, so its quantization cannot be skipped");
                    }
                    b.removeOverrideLayerConfigs(i);
                    changes.add(name + ": its layer override is removed (an override beats a quant skip in AMCT)");
                    break;
                }
            }
            String type = typeOf.get(name);
            for (int i = 0; i < b.getOverrideLayerTypesCount(); i++) {
                RetrainOverrideLayerType t = b.getOverrideLayerTypes(i);
                if (t.getLayerType().equals(type)) {
                    b.removeOverrideLayerTypes(i);
                    Set<String> overridden = new HashSet<>();
                    b.getOverrideLayerConfigsList().forEach(o -> overridden.add(o.getLayerName()));
                    List<String> spelled = new ArrayList<>();
                    for (Map.Entry<String, String> l : typeOf.entrySet()) {
                        if (l.getValue().equals(type) && !keepFloat.contains(l.getKey()) && !overridden.contains(l.getKey())
                                && before.plan(l.getKey()).flatMap(p -> p.quant()).map(q -> q.enabled()).orElse(false)) {
                            RetrainOverrideLayer.Builder o = RetrainOverrideLayer.newBuilder().setLayerName(l.getKey());
                            if (t.hasRetrainDataQuantConfig()) {
                                o.setRetrainDataQuantConfig(t.getRetrainDataQuantConfig());
                            }
                            if (t.hasRetrainWeightQuantConfig()) {
                                o.setRetrainWeightQuantConfig(t.getRetrainWeightQuantConfig());
                            }
                            if (t.hasPruneConfig()) {
                                o.setPruneConfig(t.getPruneConfig());
                            }
                            b.addOverrideLayerConfigs(o);
                            spelled.add(l.getKey());
                        }
                    }
                    changes.add("override_layer_types " + type + " is spelled out as " + spelled.size() + " layer overrides,"
                            + " so that layers of that type can be kept float (a type override beats a quant skip in AMCT)");
                    break;
                }
            }
            if (!b.getQuantSkipLayersList().contains(name) && !b.getSkipLayersList().contains(name)) {
                b.addQuantSkipLayers(name);
            }
        }
        for (String name : keepUnpruned) {
            if (!b.getRegularPruneSkipLayersList().contains(name) && !b.getSkipLayersList().contains(name)) {
                b.addRegularPruneSkipLayers(name);
            }
        }
        RetrainConfig rewritten = RetrainConfig.of(b.build());
        Resolution after = Resolver.resolve(rewritten, layers, mode);
        if (!after.isAccepted() && after.rejection().orElseThrow().message().contains("can not be channewised")
                && b.hasRetrainWeightQuantConfig()) {
            // AMCT rejects channel_wise for a Linear even when it is skipped, and a skipped layer takes the global weight
            // config; if no layer that stays quantized uses it (checked below), per-tensor there changes nothing else
            var w = b.getRetrainWeightQuantConfig().toBuilder();
            if (w.hasArqRetrain()) {
                w.setArqRetrain(w.getArqRetrain().toBuilder().setChannelWise(false));
            } else if (w.hasUlqRetrain()) {
                w.setUlqRetrain(w.getUlqRetrain().toBuilder().setChannelWise(false));
            }
            b.setRetrainWeightQuantConfig(w);
            rewritten = RetrainConfig.of(b.build());
            after = Resolver.resolve(rewritten, layers, mode);
            changes.add("the global weight config is per-tensor (channel_wise: false): the layers kept float take it, and AMCT"
                    + " rejects channel_wise for a Linear even when it is skipped; no quantized layer uses it");
        }
        if (!after.isAccepted()) {
            throw new IllegalArgumentException("AMCT would reject the rewritten config: " + after.rejection().orElseThrow().message());
        }
        verify(before, after, layers, keepFloat, keepUnpruned);
        return new Rewritten(rewritten, changes);
    }

    private static Rewritten withInt4(Rewritten base, List<Layer> layers, Mode mode, Set<String> int4) {
        Resolution before = Resolver.resolve(base.config(), layers, mode);
        AMCTRetrainConfig.Builder b = base.config().toProto().toBuilder();
        List<String> changes = new ArrayList<>(base.changes());
        for (String name : int4) {
            io.amctkit.dsl.resolve.QuantPlan q = before.plan(name).flatMap(p -> p.quant()).filter(p -> p.enabled())
                    .orElseThrow(() -> new IllegalArgumentException(name + " is not quantized: no INT4 weights to give it"));
            var act = io.amctkit.dsl.proto.ActULQquantize.newBuilder().setDstType(q.activationType());
            if (q.clipMax().isPresent() && q.clipMin().isPresent()) {
                act.setClipMaxMin(io.amctkit.dsl.proto.ClipMaxMin.newBuilder().setClipMax(q.clipMax().get()).setClipMin(q.clipMin().get()));
            }
            q.fixedMin().ifPresent(act::setFixedMin);
            var weights = io.amctkit.dsl.proto.RetrainWeightQuantConfig.newBuilder();
            if (q.weightAlgo().equals("arq_retrain")) {
                weights.setArqRetrain(io.amctkit.dsl.proto.ARQRetrain.newBuilder().setDstType(io.amctkit.dsl.proto.DataType.INT4)
                        .setChannelWise(q.channelWise()));
            } else {
                weights.setUlqRetrain(io.amctkit.dsl.proto.WtsULQRetrain.newBuilder().setDstType(io.amctkit.dsl.proto.DataType.INT4)
                        .setChannelWise(q.channelWise()));
            }
            RetrainOverrideLayer.Builder o = RetrainOverrideLayer.newBuilder().setLayerName(name)
                    .setRetrainDataQuantConfig(io.amctkit.dsl.proto.RetrainDataQuantConfig.newBuilder().setUlqQuantize(act))
                    .setRetrainWeightQuantConfig(weights);
            int existing = -1;
            for (int i = 0; i < b.getOverrideLayerConfigsCount(); i++) {
                if (b.getOverrideLayerConfigs(i).getLayerName().equals(name)) {
                    existing = i;
                }
            }
            if (existing >= 0) {
                RetrainOverrideLayer old = b.getOverrideLayerConfigs(existing);
                if (old.hasPruneConfig()) {
                    o.setPruneConfig(old.getPruneConfig());
                }
                b.setOverrideLayerConfigs(existing, o);
            } else {
                b.addOverrideLayerConfigs(o);
            }
            changes.add(name + ": INT4 weights (A8W4)");
        }
        RetrainConfig rewritten = RetrainConfig.of(b.build());
        Resolution after = Resolver.resolve(rewritten, layers, mode);
        if (!after.isAccepted()) {
            throw new IllegalArgumentException("AMCT would reject INT4 weights here: " + after.rejection().orElseThrow().message());
        }
        Map<String, Object> a = before.toAmctJson();
        Map<String, Object> c = after.toAmctJson();
        for (Layer l : layers) {
            if (int4.contains(l.name())) {
                io.amctkit.dsl.resolve.QuantPlan q = after.plan(l.name()).flatMap(p -> p.quant()).orElseThrow();
                io.amctkit.dsl.resolve.QuantPlan was = before.plan(l.name()).flatMap(p -> p.quant()).orElseThrow();
                if (!q.enabled() || q.activationType() != was.activationType() || q.channelWise() != was.channelWise()
                        || !q.clipMax().equals(was.clipMax()) || !q.clipMin().equals(was.clipMin())) {
                    throw new IllegalArgumentException(l.name() + ": its INT4 override would change more than the weights");
                }
            } else if (!Objects.equals(a.get(l.name()), c.get(l.name()))) {
                throw new IllegalArgumentException(l.name() + " would resolve differently: " + a.get(l.name()) + " became " + c.get(l.name()));
            }
        }
        return new Rewritten(rewritten, changes);
    }

    /** Every layer resolves as before, but the float ones (quantization off) and the unpruned ones (pruning off). */
    private static void verify(Resolution before, Resolution after, List<Layer> layers, Set<String> keepFloat, Set<String> keepUnpruned) {
        Map<String, Object> a = before.toAmctJson();
        Map<String, Object> b = after.toAmctJson();
        for (Layer l : layers) {
            String n = l.name();
            boolean quantOff = after.plan(n).flatMap(p -> p.quant()).map(q -> !q.enabled()).orElse(true);
            boolean pruneOff = after.plan(n).flatMap(p -> p.prune()).map(q -> !q.enabled()).orElse(true);
            if (keepFloat.contains(n) && !quantOff) {
                throw new IllegalArgumentException(n + " is still quantized in the rewritten config");
            }
            if (keepUnpruned.contains(n) && !pruneOff) {
                throw new IllegalArgumentException(n + " is still pruned in the rewritten config");
            }
            if (!keepFloat.contains(n) && !keepUnpruned.contains(n) && !Objects.equals(a.get(n), b.get(n))) {
                throw new IllegalArgumentException(n + " would resolve differently: " + a.get(n) + " became " + b.get(n));
            }
        }
    }
}
