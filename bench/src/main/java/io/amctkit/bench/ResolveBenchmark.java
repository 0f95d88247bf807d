package io.amctkit.bench;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.Layer;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.dsl.resolve.Resolver;
import io.amctkit.runtime.ResolutionTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tech.tablesaw.api.Table;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Resolution of a 10 000-layer model with 500 name overrides, against a baseline that only indexes the layers by
 * name (the floor any resolution pays), plus re-parsing the config text and building the per-layer table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResolveBenchmark {

    @Param({"10000"})
    int layers;

    @Param({"500"})
    int overrides;

    List<Layer> model;
    RetrainConfig config;
    String cfgText;

    @Setup
    public void setup() {
        model = LargeModel.layers(layers);
        config = LargeModel.retrainConfig(model, overrides);
        cfgText = config.toString();
    }

    @Benchmark
    public Map<String, Layer> baselineIndexLayers() {
        Map<String, Layer> byName = new HashMap<>();
        for (Layer l : model) {
            byName.put(l.name(), l);
        }
        return byName;
    }

    @Benchmark
    public Resolution resolveCompressed() {
        return Resolver.resolve(config, model, Mode.COMPRESSED);
    }

    @Benchmark
    public Map<String, Object> parseResolveAndAmctJson() {
        return Resolver.resolve(RetrainConfig.parse(cfgText), model, Mode.COMPRESSED).toAmctJson();
    }

    @Benchmark
    public Table resolveAndTable() {
        return ResolutionTable.of(Resolver.resolve(config, model, Mode.COMPRESSED));
    }
}
