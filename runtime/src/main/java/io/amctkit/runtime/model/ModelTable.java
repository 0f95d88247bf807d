package io.amctkit.runtime.model;

import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** A model's layers as a Tablesaw table (name, type, weight shape, channels, parameters, graph facts, evidence). */
public final class ModelTable {

    private ModelTable() {
    }

    public static Table of(Model model) {
        StringColumn name = StringColumn.create("layer");
        StringColumn type = StringColumn.create("type");
        StringColumn shape = StringColumn.create("weight");
        IntColumn in = IntColumn.create("in");
        IntColumn out = IntColumn.create("out");
        IntColumn groups = IntColumn.create("groups");
        LongColumn params = LongColumn.create("params");
        StringColumn relu = StringColumn.create("relu_input");
        StringColumn producers = StringColumn.create("producers");
        StringColumn naming = StringColumn.create("named_from");
        for (ModelLayer l : model.layers()) {
            name.append(l.name());
            type.append(l.type());
            shape.append(Arrays.toString(l.weightShape()));
            in.append(l.inChannels().isPresent() ? l.inChannels().getAsInt() : l.inputSize().orElse(0));
            out.append(l.outChannels().isPresent() ? l.outChannels().getAsInt() : l.hiddenSize().orElse(0));
            groups.append(l.groups().orElse(0));
            params.append(l.parameters());
            relu.append(l.reluInput().map(String::valueOf).orElse(""));
            producers.append(l.producers().size() <= 2 ? String.join(", ", l.producers())
                    : l.producers().get(0) + ", … (" + l.producers().size() + ")");
            naming.append(l.naming());
        }
        return Table.create(model.source().getFileName() + " (" + model.format().name().toLowerCase(java.util.Locale.ROOT) + ")",
                name, type, shape, in, out, groups, params, relu, producers, naming);
    }

    /** Layer counts by type, e.g. {@code Conv2d=53, Linear=2}. */
    public static Map<String, Long> countsByType(Model model) {
        return model.layers().stream().collect(Collectors.groupingBy(ModelLayer::type, TreeMap::new, Collectors.counting()));
    }

    /** The lines under the table: counts, parameters, unsupported parts, couplings and notes. */
    public static String summary(Model model) {
        StringBuilder s = new StringBuilder();
        long params = model.layers().stream().mapToLong(ModelLayer::parameters).sum();
        s.append(model.layers().size()).append(" layers: ")
                .append(countsByType(model).entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                        .collect(Collectors.joining(", ")))
                .append("; ").append(params).append(" parameters in their weights\n");
        if (!model.unsupported().isEmpty()) {
            s.append(model.unsupported().size()).append(" weight-carrying parts not turned into layers:\n");
            model.unsupported().forEach(u -> s.append("  ").append(u.origin()).append(": ").append(u.reason()).append('\n'));
        }
        for (Coupling c : model.couplings()) {
            s.append(c.kind() == Coupling.Kind.ADD ? "coupled through Add: " : "concatenated: ")
                    .append(String.join(", ", c.layers())).append('\n');
        }
        model.notes().forEach(n -> s.append("note: ").append(n).append('\n'));
        return s.toString();
    }
}
