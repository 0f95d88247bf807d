package io.amctkit.bench;

import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.Layer;
import io.amctkit.runtime.LayerManifest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Writes the benchmark model as files for end-to-end CLI timing: {@code WriteLargeModel DIR [LAYERS] [OVERRIDES]}. */
public final class WriteLargeModel {

    private WriteLargeModel() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : ".");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int overrides = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        List<Layer> layers = LargeModel.layers(n);
        RetrainConfig config = LargeModel.retrainConfig(layers, overrides);
        LayerManifest.write(dir.resolve("large.layers.json"), layers, true);
        config.writeTo(dir.resolve("large.cfg"), true);
        System.out.println("wrote " + dir.resolve("large.layers.json") + " (" + n + " layers) and " + dir.resolve("large.cfg")
                + " (" + config.toProto().getOverrideLayerConfigsCount() + " name overrides)");
    }
}
