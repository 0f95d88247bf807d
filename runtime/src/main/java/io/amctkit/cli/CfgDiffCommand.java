package io.amctkit.cli;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.ConfigDiff;
import io.amctkit.dsl.resolve.Layer;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.dsl.resolve.Resolver;
import io.amctkit.runtime.LayerManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code amctkit cfg diff}: the layers whose effective config differs between two configs on one model. */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Resolve two configs on one model and list, field by field, the layers whose effective config differs.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:compared (differences or not)", "1:an input is invalid", "2:usage or I/O error"})
final class CfgDiffCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "A.cfg")
    Path a;

    @Parameters(index = "1", paramLabel = "B.cfg")
    Path b;

    @Option(names = "--layers", required = true, paramLabel = "FILE", description = "the model's layer manifest (JSON)")
    Path layers;

    @Option(names = "--mode", paramLabel = "quant|prune|compressed", converter = ModeOption.class,
            description = "AMCT entry point for both (default: inferred from A)")
    Mode mode;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        RetrainConfig configA = RetrainConfig.read(a);
        RetrainConfig configB = RetrainConfig.read(b);
        List<Layer> model = LayerManifest.read(layers);
        Mode used = mode != null ? mode : configA.inferredMode();
        Resolution ra = Resolver.resolve(configA, model, used);
        Resolution rb = Resolver.resolve(configB, model, used);
        List<ConfigDiff.Change> changes = ConfigDiff.between(ra, rb);
        if (changes.isEmpty()) {
            out.println("no layer's effective config differs (" + used.label() + " mode, " + model.size() + " layers)");
            return ExitCode.OK;
        }
        StringColumn layer = StringColumn.create("layer");
        StringColumn field = StringColumn.create("field");
        StringColumn before = StringColumn.create(a.getFileName().toString());
        StringColumn after = StringColumn.create(b.getFileName().toString() + (a.getFileName().equals(b.getFileName()) ? " (B)" : ""));
        for (ConfigDiff.Change c : changes) {
            layer.append(c.layer());
            field.append(c.field());
            before.append(c.before() == null ? "(absent)" : String.valueOf(c.before()));
            after.append(c.after() == null ? "(absent)" : String.valueOf(c.after()));
        }
        out.println(Table.create("effective config differences (" + used.label() + " mode)", layer, field, before, after).printAll());
        long layersChanged = changes.stream().map(ConfigDiff.Change::layer).distinct().count();
        out.println(changes.size() + " fields differ in " + layersChanged + " layers");
        return ExitCode.OK;
    }
}
