package io.amctkit.runtime.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amctkit.dsl.CfgException;
import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.SourcePosition;
import io.amctkit.dsl.resolve.Layer;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.dsl.resolve.Resolver;
import io.amctkit.kernels.Backend;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.reference.KernelVectors;
import io.amctkit.runtime.InvalidInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * Replays a folder laid out like AMCT's reference data ({@code resolution/*.json} with {@code _index.json}, and
 * {@code kernels/*.json}) through amctkit and reports, per file, how many of its checks agree with AMCT: for
 * resolution the verdict in each mode and, when AMCT accepted, the resolved JSON compared as maps; for kernels every
 * vector case on the selected backend.
 */
public final class ReferenceCheck {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Mode> MODES = Map.of("quant_retrain", Mode.QUANT, "prune_or_compressed_api", Mode.COMPRESSED);

    /** One reference file's outcome: checks passed of total, and what failed. */
    public record FileResult(String file, int passed, int total, List<String> failures) {
        @Override
        public String toString() {
            return file + ": " + passed + "/" + total;
        }
    }

    private ReferenceCheck() {
    }

    public static List<FileResult> run(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(dir + ": not a folder; give a folder laid out like ../shared/reference", true);
        }
        Path resolution = dir.resolve("resolution");
        Path kernels = dir.resolve("kernels");
        if (!Files.isDirectory(resolution) && !Files.isDirectory(kernels)) {
            throw new InvalidInputException(dir + ": has neither resolution/ nor kernels/; give a folder laid out like"
                    + " ../shared/reference", true);
        }
        List<FileResult> results = new ArrayList<>();
        if (Files.isDirectory(resolution)) {
            JsonNode index;
            try {
                index = JSON.readTree(resolution.resolve("_index.json").toFile());
            } catch (IOException e) {
                throw new InvalidInputException(resolution.resolve("_index.json") + ": cannot read the layer sets ("
                        + e.getMessage().lines().findFirst().orElse("") + ")", true);
            }
            try (Stream<Path> files = Files.list(resolution)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().startsWith("_"))
                        .sorted().toList()) {
                    results.add(resolutionCase(dir, file, index));
                }
            }
        }
        if (Files.isDirectory(kernels)) {
            Backend backend = Backends.select();
            try (Kernels k = backend.kernels(Runtime.getRuntime().availableProcessors());
                 Stream<Path> files = Files.list(kernels)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                    results.add(kernelFile(dir, file, k));
                }
            }
        }
        if (results.isEmpty()) {
            throw new InvalidInputException(dir + ": no reference cases found (expected resolution/*.json or kernels/*.json)", false);
        }
        return results;
    }

    /** What a run replayed, for the summary: "43 resolution cases, 7 kernel files (700 cases)". */
    public static String replayed(List<FileResult> results) {
        long resolution = results.stream().filter(r -> r.file().startsWith("resolution")).count();
        List<FileResult> kernels = results.stream().filter(r -> r.file().startsWith("kernels")).toList();
        int kernelCases = kernels.stream().mapToInt(FileResult::total).sum();
        return resolution + " resolution case" + (resolution == 1 ? "" : "s") + " (resolution/), " + kernels.size()
                + " kernel file" + (kernels.size() == 1 ? "" : "s") + " with " + kernelCases + " cases (kernels/)";
    }

    private static FileResult kernelFile(Path dir, Path file, Kernels kernels) {
        List<String> failures = new ArrayList<>();
        List<KernelVectors.VectorCase> cases;
        try {
            cases = KernelVectors.cases(file);
        } catch (IOException | RuntimeException e) {
            return new FileResult(dir.relativize(file).toString(), 0, 1, List.of("cannot read the file: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("")));
        }
        for (KernelVectors.VectorCase c : cases) {
            KernelVectors.run(c, kernels).ifPresent(f -> failures.add(c.name() + ": " + f));
        }
        return new FileResult(dir.relativize(file).toString(), cases.size() - failures.size(), cases.size(), failures);
    }

    private static FileResult resolutionCase(Path dir, Path file, JsonNode index) {
        String name = dir.relativize(file).toString();
        JsonNode c;
        try {
            c = JSON.readTree(file.toFile());
        } catch (IOException e) {
            return new FileResult(name, 0, 1, List.of("cannot read the case: " + e.getMessage().lines().findFirst().orElse("")));
        }
        List<String> failures = new ArrayList<>();
        int total = 0;
        RetrainConfig config = null;
        CfgException unreadable = null;
        List<Layer> layers;
        try {
            layers = layerSet(index, c.path("layer_set").asText());
            config = RetrainConfig.parse(c.path("cfg_file").asText(name), c.path("cfg_text").asText());
        } catch (CfgException e) {
            unreadable = e;
            layers = List.of();
        } catch (IllegalArgumentException e) {
            return new FileResult(name, 0, MODES.size(), List.of("cannot load the case: " + e.getMessage()));
        }
        for (Map.Entry<String, Mode> mode : MODES.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            JsonNode expected = c.path("results").path(mode.getKey());
            if (expected.isMissingNode()) {
                continue;
            }
            total++;
            boolean amctOk = expected.path("status").asText().equals("ok");
            JsonNode error = expected.path("error");
            boolean parseError = !amctOk && error.path("type").asText().equals("ParseError");
            if (parseError || unreadable != null) {
                parseVerdict(mode.getKey(), amctOk, error, unreadable).ifPresent(failures::add);
                continue;
            }
            Resolution r = Resolver.resolve(config, layers, mode.getValue());
            if (amctOk != r.isAccepted()) {
                failures.add(mode.getKey() + ": AMCT " + (amctOk ? "accepts" : "rejects ("
                        + error.path("message").asText() + ")") + ", amctkit "
                        + (r.isAccepted() ? "accepts" : "rejects (" + r.rejection().get().message() + ")"));
            } else if (amctOk && !expected.path("config").equals(asParsedJson(r))) {
                failures.add(mode.getKey() + ": resolved JSON differs from AMCT's");
            }
        }
        return new FileResult(name, total - failures.size(), total, failures);
    }

    /** amctkit's resolved JSON as the reference file holds it (written, then read: floats become doubles alike). */
    private static JsonNode asParsedJson(Resolution r) {
        try {
            return JSON.readTree(JSON.writeValueAsString(r.toAmctJson()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A case where AMCT or amctkit cannot read the file: it agrees iff both reject it at the same line:col (AMCT's
     * {@code ParseError} message starts with it; amctkit's first diagnostic is the first error in reading order).
     */
    private static java.util.Optional<String> parseVerdict(String mode, boolean amctOk, JsonNode error, CfgException ours) {
        String amct = error.path("message").asText();
        java.util.regex.Matcher at = java.util.regex.Pattern.compile("^(\\d+):(\\d+)").matcher(amct);
        if (ours == null) {
            return java.util.Optional.of(mode + ": AMCT cannot read the file (" + amct + "), amctkit reads it");
        }
        String mine = ours.diagnostics().get(0).format(ours.source());
        if (amctOk || !error.path("type").asText().equals("ParseError")) {
            return java.util.Optional.of(mode + ": AMCT " + (amctOk ? "accepts the file" : "reads the file (then "
                    + error.path("type").asText() + ": " + amct + ")") + ", amctkit cannot read it: " + mine);
        }
        java.util.Optional<SourcePosition> where = ours.diagnostics().get(0).position();
        boolean same = at.find() && where.isPresent() && where.get().line() == Integer.parseInt(at.group(1))
                && where.get().column() == Integer.parseInt(at.group(2));
        return same ? java.util.Optional.empty()
                : java.util.Optional.of(mode + ": both reject the file, at other places: AMCT " + amct + "; amctkit " + mine);
    }

    /** The layers of one of _index.json's layer sets, in model order. */
    static List<Layer> layerSet(JsonNode index, String name) {
        JsonNode set = index.path("layer_sets").path(name);
        if (!set.isObject()) {
            throw new IllegalArgumentException("_index.json has no layer set '" + name + "'");
        }
        List<Layer> layers = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = set.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode l = e.getValue();
            String type = l.path("type").asText();
            boolean rnn = type.equals("LSTM") || type.equals("GRU");
            layers.add(new Layer(e.getKey(), type, rnn ? OptionalInt.empty() : size(l, "cin"), size(l, "cout"),
                    size(l, "groups"), rnn ? size(l, "cin") : OptionalInt.empty(), size(l, "hidden")));
        }
        return layers;
    }

    private static OptionalInt size(JsonNode layer, String field) {
        return layer.has(field) ? OptionalInt.of(layer.get(field).asInt()) : OptionalInt.empty();
    }
}
