package io.amctkit.dsl;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.TextFormatParseInfoTree;
import com.google.protobuf.TextFormatParseLocation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where each field of a parsed config stands in its source, by field path ({@code skip_layers[1]},
 * {@code override_layer_configs[0].retrain_data_quant_config.ulq_quantize.clip_max_min.clip_max}).
 */
final class SourceMap {

    static final SourceMap NONE = new SourceMap("", Map.of());

    private final String source;
    private final Map<String, SourcePosition> positions;

    private SourceMap(String source, Map<String, SourcePosition> positions) {
        this.source = source;
        this.positions = Map.copyOf(positions);
    }

    static SourceMap of(String source, TextFormatParseInfoTree tree, Descriptor type) {
        Map<String, SourcePosition> positions = new HashMap<>();
        collect(source, tree, type, "", positions);
        return new SourceMap(source, positions);
    }

    private static void collect(String source, TextFormatParseInfoTree tree, Descriptor type, String prefix,
                                Map<String, SourcePosition> out) {
        for (FieldDescriptor field : type.getFields()) {
            List<TextFormatParseLocation> locations = tree.getLocations(field);
            String base = prefix + field.getName();
            for (int i = 0; i < locations.size(); i++) {
                // a singular field given twice: the last occurrence wins, as in the parser
                String path = field.isRepeated() ? base + "[" + i + "]" : base;
                out.put(path, toPosition(source, locations.get(i)));
            }
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                List<TextFormatParseInfoTree> nested = tree.getNestedTrees(field);
                for (int i = 0; i < nested.size(); i++) {
                    String path = field.isRepeated() ? base + "[" + i + "]" : base;
                    collect(source, nested.get(i), field.getMessageType(), path + ".", out);
                }
            }
        }
    }

    private static SourcePosition toPosition(String source, TextFormatParseLocation location) {
        return new SourcePosition(source, location.getLine() + 1, location.getColumn() + 1);
    }

    String source() {
        return source;
    }

    /** The position of {@code path}, or of its nearest parent that has one (a missing field: its enclosing block). */
    Optional<SourcePosition> find(String path) {
        String p = path;
        while (!p.isEmpty()) {
            SourcePosition at = positions.get(p);
            if (at != null) {
                return Optional.of(at);
            }
            int dot = p.lastIndexOf('.');
            int bracket = p.lastIndexOf('[');
            int cut = Math.max(dot, bracket);
            p = cut < 0 ? "" : p.substring(0, cut);
        }
        return Optional.empty();
    }

    /** {@code d} placed at its field's position, if known. */
    Diagnostic place(Diagnostic d) {
        return d.position().isPresent() ? d : find(d.fieldPath()).map(d::at).orElse(d);
    }
}
