package io.amctkit.dsl;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.TextFormat;
import io.amctkit.dsl.proto.AMCTRetrainConfig;

import java.util.List;

/**
 * Prints a config as canonical {@code .cfg} text in the style of AMCT's samples: nested blocks, 4-space indent,
 * global quantizers first, then pruning, skip lists and overrides, one blank line between groups. The output is a
 * function of the message alone, so printing a parsed print is byte-identical.
 */
final class CfgWriter {

    private static final String INDENT = "    ";

    /** Root fields in reading order; each inner list is one paragraph. */
    private static final List<List<Integer>> ROOT_GROUPS = List.of(
            List.of(AMCTRetrainConfig.BATCH_NUM_FIELD_NUMBER, AMCTRetrainConfig.FAKEQUANT_PRECISION_MODE_FIELD_NUMBER),
            List.of(AMCTRetrainConfig.RETRAIN_DATA_QUANT_CONFIG_FIELD_NUMBER),
            List.of(AMCTRetrainConfig.RETRAIN_WEIGHT_QUANT_CONFIG_FIELD_NUMBER),
            List.of(AMCTRetrainConfig.PRUNE_CONFIG_FIELD_NUMBER),
            List.of(AMCTRetrainConfig.SKIP_LAYERS_FIELD_NUMBER, AMCTRetrainConfig.SKIP_LAYER_TYPES_FIELD_NUMBER),
            List.of(AMCTRetrainConfig.QUANT_SKIP_LAYERS_FIELD_NUMBER, AMCTRetrainConfig.QUANT_SKIP_TYPES_FIELD_NUMBER),
            List.of(AMCTRetrainConfig.REGULAR_PRUNE_SKIP_LAYERS_FIELD_NUMBER,
                    AMCTRetrainConfig.REGULAR_PRUNE_SKIP_TYPES_FIELD_NUMBER),
            List.of(AMCTRetrainConfig.OVERRIDE_LAYER_TYPES_FIELD_NUMBER),
            List.of(AMCTRetrainConfig.OVERRIDE_LAYER_CONFIGS_FIELD_NUMBER));

    private CfgWriter() {
    }

    /** The whole file; {@code header} lines (may be empty) become {@code #} comments at the top. */
    static String write(AMCTRetrainConfig config, String header) {
        StringBuilder out = new StringBuilder();
        if (header != null && !header.isEmpty()) {
            for (String line : header.split("\n", -1)) {
                out.append(line.isEmpty() ? "#" : "# " + line).append('\n');
            }
        }
        boolean first = true;
        for (List<Integer> group : ROOT_GROUPS) {
            StringBuilder paragraph = new StringBuilder();
            for (int number : group) {
                printField(config, AMCTRetrainConfig.getDescriptor().findFieldByNumber(number), 0, paragraph);
            }
            if (paragraph.length() > 0) {
                if (!first || (header != null && !header.isEmpty())) {
                    out.append('\n');
                }
                out.append(paragraph);
                first = false;
            }
        }
        return out.toString();
    }

    /** One block, for the {@code toString()} of DSL fragments. */
    static String fragment(String name, MessageOrBuilder message) {
        StringBuilder out = new StringBuilder(name).append(" {\n");
        printFields(message, 1, out);
        return out.append("}").toString();
    }

    private static void printFields(MessageOrBuilder message, int depth, StringBuilder out) {
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            printField(message, field, depth, out);
        }
    }

    private static void printField(MessageOrBuilder message, FieldDescriptor field, int depth, StringBuilder out) {
        if (field.isRepeated()) {
            int n = message.getRepeatedFieldCount(field);
            for (int i = 0; i < n; i++) {
                printValue(field, message.getRepeatedField(field, i), depth, out);
            }
        } else if (message.hasField(field)) {
            printValue(field, message.getField(field), depth, out);
        }
    }

    private static void printValue(FieldDescriptor field, Object value, int depth, StringBuilder out) {
        String indent = INDENT.repeat(depth);
        out.append(indent).append(field.getName());
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            out.append(" {\n");
            printFields((MessageOrBuilder) value, depth + 1, out);
            out.append(indent).append("}\n");
            return;
        }
        out.append(": ").append(scalar(field, value)).append('\n');
    }

    private static String scalar(FieldDescriptor field, Object value) {
        return switch (field.getJavaType()) {
            case STRING -> '"' + TextFormat.escapeBytes(ByteString.copyFromUtf8((String) value)) + '"';
            case ENUM -> ((EnumValueDescriptor) value).getName();
            case FLOAT -> floatText((Float) value);
            case INT -> field.getType() == FieldDescriptor.Type.UINT32
                    ? Integer.toUnsignedString((Integer) value) : value.toString();
            default -> value.toString();
        };
    }

    /** A float32 in a form both AMCT's Python parser and protobuf-java read back to the same bits. */
    static String floatText(float f) {
        if (Float.isNaN(f)) {
            return "nan";
        }
        if (Float.isInfinite(f)) {
            return f > 0 ? "inf" : "-inf";
        }
        return Float.toString(f);
    }
}
