package io.amctkit.bench;

import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.Layer;

import java.util.ArrayList;
import java.util.List;

import static io.amctkit.dsl.Amct.*;

/** A synthetic large model (conv, linear, norm and LSTM layers) and a config with many overrides, for benchmarks. */
public final class LargeModel {

    private LargeModel() {
    }

    /** {@code n} layers in blocks of conv / BN / conv / linear / LSTM, with plausible channel counts. */
    public static List<Layer> layers(int n) {
        List<Layer> layers = new ArrayList<>(n);
        for (int i = 0; layers.size() < n; i++) {
            String block = "blocks." + i;
            layers.add(Layer.of(block + ".conv1", "Conv2d", 64, 64, 1));
            layers.add(Layer.of(block + ".bn1", "BatchNorm2d"));
            layers.add(Layer.of(block + ".dwconv", "Conv2d", 64, 64, 64));
            layers.add(Layer.of(block + ".fc", "Linear", 64, 128, 1));
            layers.add(Layer.rnn(block + ".lstm", "LSTM", 128, 64));
        }
        return layers.subList(0, n);
    }

    /** A compressed config with {@code overrides} name overrides, two type overrides, and skips. */
    public static RetrainConfig retrainConfig(List<Layer> layers, int overrides) {
        RetrainConfig c = config()
                .activations(ulq().clipRange(-6, 6).dstType(INT8))
                .weights(arq().dstType(INT8))
                .prune(filterPrune(0.3))
                .override(layerType("Linear").weights(arq().channelWise(false)).prune(filterPrune(0.5)))
                .override(layerType("LSTM").activations(ulq().clipRange(-2, 2)))
                .quantSkipLayers(layers.get(0).name())
                .regularPruneSkipLayers(layers.get(3).name());
        int added = 0;
        for (Layer layer : layers) {
            if (added == overrides) {
                break;
            }
            if (layer.type().equals("Conv2d") && !layer.isDepthwise()) {
                c = c.override(layer(layer.name()).activations(ulq().clipRange(-1 - added % 7, 1 + added % 5))
                        .prune(filterPrune(0.1 + (added % 8) / 10.0)));
                added++;
            }
        }
        return c;
    }
}
