package io.amctkit.cli;

import io.amctkit.runtime.LayerManifest;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.ModelJson;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.ModelTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code amctkit layers MODEL}: a model's layers as AMCT names and types them, with shapes and graph facts. */
@Command(name = "layers", mixinStandardHelpOptions = true,
        description = {"The layers of an ONNX, safetensors or PyTorch (.pt/.pth state_dict) model as AMCT sees them.",
                "MODEL is a file or zoo:ID (zoo:minilm, zoo:paddleocr-det, zoo:paddleocr-rec, zoo:paddleocr-cls,",
                "zoo:openwakeword, zoo:silero-vad: fetched from Maven Central or npm on first use and cached).",
                "--format manifest prints the layer manifest that resolve --layers reads: edit types there."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:the model is invalid or unreadable as a model", "2:usage or I/O error"})
final class LayersCommand implements Callable<Integer> {

    enum Format { table, json, manifest }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "model file (.onnx, .safetensors, .pt, .pth) or zoo:ID")
    String model;

    @Option(names = "--manifest", paramLabel = "FILE",
            description = "layer manifest giving the types of a graph-less model (safetensors, .pt)")
    Path manifest;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table (default), json or manifest")
    Format format;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (Model m = ModelArgument.open(model, manifest)) {
            switch (format) {
                case table -> {
                    out.println(ModelTable.of(m).printAll());
                    out.print(ModelTable.summary(m));
                }
                case json -> out.print(ModelJson.write(m));
                case manifest -> out.print(LayerManifest.toJson(m.layers().stream().map(ModelLayer::toLayer).toList()));
            }
        }
        return ExitCode.OK;
    }
}
