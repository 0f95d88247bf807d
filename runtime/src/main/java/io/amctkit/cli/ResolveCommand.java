package io.amctkit.cli;

import io.amctkit.dsl.Diagnostic;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.Layer;
import io.amctkit.dsl.resolve.Lint;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.dsl.resolve.Resolver;
import io.amctkit.runtime.AmctJson;
import io.amctkit.runtime.HtmlTable;
import io.amctkit.runtime.LayerManifest;
import io.amctkit.runtime.ResolutionJson;
import io.amctkit.runtime.ResolutionTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;

/** {@code amctkit resolve}: the effective per-layer config AMCT derives from a {@code .cfg} for a model. */
@Command(name = "resolve", mixinStandardHelpOptions = true,
        description = {"What AMCT will do to each layer: the resolved config, identical to the JSON AMCT writes,",
                "or AMCT's verdict that the config is invalid for this model (exit 1, diagnostics on stderr)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:AMCT accepts the config", "1:AMCT rejects it, or an input is invalid", "2:usage or I/O error"})
final class ResolveCommand implements Callable<Integer> {

    enum Format { table, json, amct_json, csv, html }

    @Spec
    CommandSpec spec;

    @Option(names = "--cfg", required = true, paramLabel = "FILE", description = "the simplified config (.cfg)")
    Path cfg;

    @Option(names = "--layers", paramLabel = "FILE",
            description = "the model's layer manifest (JSON: {\"layers\":[{\"name\":...,\"type\":...},...]});"
                    + " with --model, the types of a graph-less model")
    Path layers;

    @Option(names = "--model", paramLabel = "MODEL",
            description = "the model itself: .onnx, .safetensors, .pt/.pth, or zoo:ID (see amctkit layers --help)")
    String modelFile;

    @Option(names = "--mode", paramLabel = "quant|prune|compressed", converter = ModeOption.class,
            description = "AMCT entry point (default: inferred from the config's fields)")
    Mode mode;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table", converter = FormatOption.class,
            description = "table (default), json, amct-json (exactly AMCT's file), csv or html")
    Format format;

    @Option(names = "--explain", paramLabel = "LAYER", description = "explain every decision for one layer instead")
    String explain;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RetrainConfig config = RetrainConfig.read(cfg);
        if (modelFile == null && layers == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give the model: --model MODEL or --layers FILE");
        }
        List<Layer> model = layers(modelFile, layers);
        Mode used = mode != null ? mode : config.inferredMode();
        Resolution resolution = Resolver.resolve(config, model, used);
        for (Diagnostic d : resolution.diagnostics()) {
            err.println(d.format(cfg.toString()));
        }
        for (Diagnostic d : Lint.check(config, model).items()) {
            err.println(d.format(cfg.toString()).replaceFirst(": error: ", ": lint: "));
        }
        if (!resolution.isAccepted()) {
            return ExitCode.INVALID;
        }
        if (explain != null) {
            try {
                out.print(resolution.explain(explain));
            } catch (NoSuchElementException e) {
                err.println((modelFile != null ? modelFile : layers) + ": " + e.getMessage());
                return ExitCode.INVALID;
            }
            return ExitCode.OK;
        }
        Table table = ResolutionTable.of(resolution);
        switch (format) {
            case table -> {
                out.println(table.printAll());
                out.println(resolution);
            }
            case json -> out.print(ResolutionJson.write(resolution));
            case amct_json -> out.print(AmctJson.write(resolution.toAmctJson()));
            case csv -> out.print(Csv.of(table));
            case html -> out.print(HtmlTable.page("amctkit resolve " + cfg, table));
        }
        return ExitCode.OK;
    }

    private static List<Layer> layers(String modelArgument, Path manifest) throws IOException {
        if (modelArgument == null) {
            return LayerManifest.read(manifest);
        }
        try (io.amctkit.runtime.model.Model m = ModelArgument.open(modelArgument, manifest)) {
            return m.layers().stream().map(io.amctkit.runtime.model.ModelLayer::toLayer).toList();
        }
    }

    /** Accepts {@code amct-json} as well as the enum name. */
    static final class FormatOption implements picocli.CommandLine.ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            try {
                return Format.valueOf(value.replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("unknown format '" + value
                        + "'; expected table, json, amct-json, csv or html");
            }
        }
    }
}
