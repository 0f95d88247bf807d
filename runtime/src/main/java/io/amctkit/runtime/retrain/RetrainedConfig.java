package io.amctkit.runtime.retrain;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.proto.AMCTRetrainConfig;
import io.amctkit.dsl.proto.ARQRetrain;
import io.amctkit.dsl.proto.ActULQquantize;
import io.amctkit.dsl.proto.ClipMaxMin;
import io.amctkit.dsl.proto.DataType;
import io.amctkit.dsl.proto.RetrainDataQuantConfig;
import io.amctkit.dsl.proto.RetrainOverrideLayer;
import io.amctkit.dsl.proto.RetrainOverrideLayerType;
import io.amctkit.dsl.proto.RetrainWeightQuantConfig;
import io.amctkit.dsl.proto.WtsULQRetrain;
import io.amctkit.dsl.resolve.Layer;
import io.amctkit.dsl.resolve.LayerPlan;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.dsl.resolve.Resolver;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code retrained.cfg}: the user's config with each retrained layer's learned clip range as its
 * {@code clip_max_min} — what to give AMCT so that its own QAT starts from the retrained state instead of IFMR. Each
 * such layer gets a layer override that restates its resolved quantization (an override replaces, it does not merge)
 * and keeps its prune config; the result is resolved by AMCT's rules and must leave every layer's plan as it was but
 * for the clip range.
 */
public final class RetrainedConfig {

    /** A learned clip range: clip_max, and clip_min (0 under fixed_min). */
    public record Clip(float max, float min) {
    }

    private RetrainedConfig() {
    }

    /** The config with the learned clips; throws when AMCT's rules would resolve any layer otherwise. */
    public static RetrainConfig of(RetrainConfig config, List<Layer> layers, Mode mode, Map<String, Clip> clips) {
        Resolution before = Resolver.resolve(config, layers, mode);
        AMCTRetrainConfig.Builder b = config.toProto().toBuilder();
        for (Map.Entry<String, Clip> e : clips.entrySet()) {
            String name = e.getKey();
            LayerPlan plan = before.plan(name).orElseThrow(() -> new IllegalArgumentException(name + " is not a layer of the model"));
            QuantPlan q = plan.quant().filter(QuantPlan::enabled)
                    .orElseThrow(() -> new IllegalArgumentException(name + " is not quantized: it has no clip range to learn"));
            RetrainOverrideLayer.Builder o = RetrainOverrideLayer.newBuilder().setLayerName(name)
                    .setRetrainDataQuantConfig(RetrainDataQuantConfig.newBuilder().setUlqQuantize(activation(q, e.getValue())))
                    .setRetrainWeightQuantConfig(weights(q));
            int existing = indexOf(b, name);
            if (existing >= 0) {
                if (b.getOverrideLayerConfigs(existing).hasPruneConfig()) {
                    o.setPruneConfig(b.getOverrideLayerConfigs(existing).getPruneConfig());
                }
                b.setOverrideLayerConfigs(existing, o);
            } else {
                typeOverride(b, plan.layer().type()).filter(RetrainOverrideLayerType::hasPruneConfig)
                        .ifPresent(t -> o.setPruneConfig(t.getPruneConfig()));
                b.addOverrideLayerConfigs(o);
            }
        }
        RetrainConfig out = RetrainConfig.of(b.build());
        Resolution after = Resolver.resolve(out, layers, mode);
        if (!after.isAccepted()) {
            throw new IllegalStateException("AMCT would reject the retrained config: " + after.rejection().orElseThrow().message());
        }
        // AMCT's own per-layer JSON, as the tuner checks its rewrites: equal but for a retrained layer's clip range
        Map<String, Object> was = before.toAmctJson();
        Map<String, Object> is = after.toAmctJson();
        for (Layer l : layers) {
            Clip clip = clips.get(l.name());
            Object x = clip == null ? was.get(l.name()) : withoutClip(was.get(l.name()));
            Object y = clip == null ? is.get(l.name()) : withoutClip(is.get(l.name()));
            if (!Objects.equals(x, y)) {
                throw new IllegalStateException("the retrained config would change " + l.name() + ": " + x + " became " + y);
            }
            if (clip != null && after.plan(l.name()).flatMap(LayerPlan::quant).flatMap(QuantPlan::clipMax).orElse(Float.NaN) != clip.max()) {
                throw new IllegalStateException("the retrained config does not give " + l.name() + " its learned clip_max " + clip.max());
            }
        }
        return out;
    }

    /** The text of retrained.cfg, read back and validated. */
    public static String text(RetrainConfig retrained, String header, Mode mode) {
        String text = retrained.toCfg(header);
        RetrainConfig back = RetrainConfig.parse("retrained.cfg", text);
        if (!back.equals(retrained) || back.validate(mode).hasErrors()) {
            throw new IllegalStateException("retrained.cfg does not read back as written: " + back.validate(mode));
        }
        return text;
    }

    /**
     * The clip range as AMCT's config can say it: clip_min must be negative there, so under fixed_min (where AMCT sets
     * it to 0 anyway) the smallest negative float32 step below 0 of the range's scale is written.
     */
    static ClipMaxMin range(Clip c) {
        float min = c.min() < 0 ? c.min() : -Math.ulp(c.max());
        return ClipMaxMin.newBuilder().setClipMax(c.max()).setClipMin(min).build();
    }

    /**
     * The layer's activation config with the learned range. A clip_min learned to 0 (inputs that are never negative)
     * is said as {@code fixed_min: true}: AMCT's config cannot hold clip_min 0, and fixed_min gives the same factors.
     */
    private static ActULQquantize activation(QuantPlan q, Clip c) {
        ActULQquantize.Builder a = ActULQquantize.newBuilder().setClipMaxMin(range(c)).setDstType(q.activationType());
        q.fixedMin().ifPresent(a::setFixedMin);
        if (c.min() >= 0f) {
            a.setFixedMin(true);
        }
        return a.build();
    }

    private static RetrainWeightQuantConfig weights(QuantPlan q) {
        DataType type = q.int4Downgraded() ? DataType.INT4 : q.weightType();
        RetrainWeightQuantConfig.Builder w = RetrainWeightQuantConfig.newBuilder();
        if (q.weightAlgo().equals("arq_retrain")) {
            w.setArqRetrain(ARQRetrain.newBuilder().setDstType(type).setChannelWise(q.channelWise()));
        } else {
            w.setUlqRetrain(WtsULQRetrain.newBuilder().setDstType(type).setChannelWise(q.channelWise()));
        }
        return w.build();
    }

    /** A layer's AMCT JSON without the activation clip range and fixed_min (what retraining learns). */
    @SuppressWarnings("unchecked")
    private static Object withoutClip(Object layer) {
        if (!(layer instanceof Map<?, ?> m) || !(m.get("retrain_data_config") instanceof Map<?, ?> data)) {
            return layer;
        }
        Map<String, Object> copy = new java.util.LinkedHashMap<>((Map<String, Object>) m);
        Map<String, Object> d = new java.util.LinkedHashMap<>((Map<String, Object>) data);
        d.keySet().removeAll(List.of("clip_max", "clip_min", "fixed_min"));
        copy.put("retrain_data_config", d);
        return copy;
    }

    private static int indexOf(AMCTRetrainConfig.Builder b, String name) {
        for (int i = 0; i < b.getOverrideLayerConfigsCount(); i++) {
            if (b.getOverrideLayerConfigs(i).getLayerName().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static Optional<RetrainOverrideLayerType> typeOverride(AMCTRetrainConfig.Builder b, String type) {
        return b.getOverrideLayerTypesList().stream().filter(t -> t.getLayerType().equals(type)).findFirst();
    }
}
