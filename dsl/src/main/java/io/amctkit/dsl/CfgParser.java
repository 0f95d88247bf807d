package io.amctkit.dsl;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.TextFormat;
import com.google.protobuf.TextFormatParseInfoTree;
import io.amctkit.dsl.internal.DidYouMean;
import io.amctkit.dsl.proto.AMCTRetrainConfig;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code .cfg} text the way AMCT does ({@code text_format.Merge}: comments, optional {@code :} before a block,
 * {@code {}} or {@code <>}, {@code True}, repeated fields repeated, last-wins singular scalars, merged singular
 * messages, the last oneof member wins, enums by name or number) into a possibly partial message, and turns every
 * failure into a positioned diagnostic with a did-you-mean. Required fields are left to the validator, as AMCT does.
 */
final class CfgParser {

    private static final Pattern UNKNOWN_FIELD = Pattern.compile("^(\\d+):(\\d+):\\t(.+)\\.([^.]+)$", Pattern.MULTILINE);
    private static final Pattern ENUM_NAME = Pattern.compile("Enum type \"(.+)\" has no value named \"(.*)\"\\.?");
    private static final Pattern ENUM_NUMBER = Pattern.compile("Enum type \"(.+)\" has no value with number (-?\\d+)\\.?");
    private static final Pattern TRAILING_FIELD = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*:?\\s*$");
    private static final Pattern PREFIX = Pattern.compile("^\\d+:\\d+: ");

    private CfgParser() {
    }

    record Parsed(AMCTRetrainConfig config, SourceMap sourceMap) {
    }

    static Parsed parse(String source, byte[] bytes) {
        return parse(source, decode(source, bytes));
    }

    static Parsed parse(String source, String text) {
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
            throw syntax(source, "CFG-ENCODING", new SourcePosition(source, 1, 1),
                    "the file starts with a UTF-8 byte-order mark, which AMCT's parser rejects; save it as UTF-8"
                            + " without BOM");
        }
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            throw syntax(source, "CFG-BINARY", SourcePosition.ofOffset(source, text, nul),
                    "binary data (a NUL byte): this is not a text .cfg file; give the protobuf text-format config");
        }
        AMCTRetrainConfig.Builder builder = AMCTRetrainConfig.newBuilder();
        TextFormatParseInfoTree.Builder tree = TextFormatParseInfoTree.builder();
        try {
            TextFormat.Parser.newBuilder().setParseInfoTreeBuilder(tree).build()
                    .merge(text, ExtensionRegistry.getEmptyRegistry(), builder);
        } catch (TextFormat.ParseException e) {
            throw new CfgException(explain(source, text, e), false, source);
        }
        AMCTRetrainConfig config = builder.buildPartial();
        return new Parsed(config, SourceMap.of(source, tree.build(), AMCTRetrainConfig.getDescriptor()));
    }

    /** Strict UTF-8: the first malformed byte is reported at its line and column. */
    private static String decode(String source, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            out.flip();
            int bad = bytes[in.position()] & 0xff;
            throw syntax(source, "CFG-ENCODING", SourcePosition.ofOffset(source, out, out.length()),
                    String.format("invalid UTF-8 (byte 0x%02X): a .cfg is UTF-8 text; re-save it as UTF-8", bad));
        }
        decoder.flush(out);
        out.flip();
        return out.toString();
    }

    private static List<Diagnostic> explain(String source, String text, TextFormat.ParseException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        SourcePosition at = new SourcePosition(source, Math.max(1, e.getLine()), Math.max(1, e.getColumn()));
        List<Diagnostic> out = new ArrayList<>();
        // AMCT's parser stops at the first unknown field; protobuf-java may report a later error first
        Optional<FieldScan.Unknown> first = FieldScan.firstUnknown(text, AMCTRetrainConfig.getDescriptor());
        if (first.isPresent() && (message.contains("Input contains unknown fields") || first.get().line() < at.line()
                || (first.get().line() == at.line() && first.get().column() <= at.column()))) {
            FieldScan.Unknown u = first.get();
            SourcePosition where = new SourcePosition(source, u.line(), u.column());
            out.add(unknownField(u.type().getFullName(), u.name()).at(where));
            Matcher m = UNKNOWN_FIELD.matcher(message);
            while (m.find()) {
                SourcePosition other = new SourcePosition(source, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
                if (!other.equals(where)) {
                    out.add(unknownField(m.group(3), m.group(4)).at(other));
                }
            }
            return out;
        }
        if (message.contains("Input contains unknown fields")) {
            Matcher m = UNKNOWN_FIELD.matcher(message);
            while (m.find()) {
                SourcePosition where = new SourcePosition(source, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
                out.add(unknownField(m.group(3), m.group(4)).at(where));
            }
            if (!out.isEmpty()) {
                return out;
            }
        }
        String detail = PREFIX.matcher(message).replaceFirst("");
        Matcher enumName = ENUM_NAME.matcher(detail);
        Matcher enumNumber = ENUM_NUMBER.matcher(detail);
        if (enumName.find()) {
            out.add(unknownEnum(enumName.group(1), "'" + enumName.group(2) + "'", enumName.group(2)).at(at));
        } else if (enumNumber.find()) {
            out.add(unknownEnum(enumNumber.group(1), "number " + enumNumber.group(2), null).at(at));
        } else if (detail.contains("Number must be positive") || detail.contains("Number out of range")) {
            String field = fieldBefore(text, at).orElse("this field");
            out.add(Diagnostic.error("CFG-NEGATIVE-UINT", "", field + " is an unsigned 32-bit integer and must be >= 0"
                    + (field.equals("batch_num") ? " (and > 0: the number of calibration batches)" : "")
                    + (field.equals("update_freq") ? " (0 = compute the 2:4 mask once, k = every k batches)" : "")
                    + "; got " + tokenAt(text, at)).at(at));
        } else if (detail.contains("nested too deep")) {
            out.add(Diagnostic.error("CFG-NESTING", "", "blocks nested too deep (AMCTRetrainConfig nests at most 6"
                    + " levels): is a '}' missing, or is this not a .cfg file?").at(at));
        } else {
            boolean atEnd = isAtEnd(text, at);
            out.add(Diagnostic.error("CFG-SYNTAX", "", detail + (atEnd
                    ? " — the file ends inside a block or a field: close every '{' with '}' and give every field a value"
                    : "")).at(at));
        }
        return out;
    }

    private static Diagnostic unknownField(String messageType, String name) {
        Descriptor type = AMCTRetrainConfig.getDescriptor().getFile().findMessageTypeByName(shortName(messageType));
        if (type == null && shortName(messageType).equals("AMCTRetrainConfig")) {
            type = AMCTRetrainConfig.getDescriptor();
        }
        List<String> known = type == null ? List.of() : type.getFields().stream().map(FieldDescriptor::getName).toList();
        String hint = DidYouMean.suggest(name, known).map(s -> "; did you mean '" + s + "'?")
                .orElse(known.isEmpty() ? "" : "; " + shortName(messageType) + " has: " + String.join(", ", known));
        return Diagnostic.error("CFG-UNKNOWN-FIELD", "", "unknown field '" + name + "' in "
                + shortName(messageType) + hint);
    }

    private static Diagnostic unknownEnum(String enumType, String what, String name) {
        EnumDescriptor type = findEnum(shortName(enumType));
        List<String> names = type == null ? List.of() : type.getValues().stream().map(EnumValueDescriptor::getName).toList();
        Optional<String> suggestion = name == null ? Optional.empty() : DidYouMean.suggest(name, names);
        String allowed = type == null ? "" : type.getValues().stream().map(v -> v.getName() + " (" + v.getNumber() + ")")
                .reduce((a, b) -> a + ", " + b).orElse("");
        String only = names.size() == 1 ? "; AMCT supports only " + names.get(0) : "";
        return Diagnostic.error("CFG-UNKNOWN-ENUM", "", shortName(enumType) + " has no value " + what
                + suggestion.map(s -> "; did you mean '" + s + "'?").orElse("")
                + (allowed.isEmpty() ? "" : "; allowed: " + allowed + " (names are case-sensitive)") + only);
    }

    private static EnumDescriptor findEnum(String shortName) {
        EnumDescriptor top = AMCTRetrainConfig.getDescriptor().getFile().findEnumTypeByName(shortName);
        return top != null ? top : AMCTRetrainConfig.getDescriptor().findEnumTypeByName(shortName);
    }

    private static String shortName(String fullName) {
        return fullName.substring(fullName.lastIndexOf('.') + 1);
    }

    private static Optional<String> fieldBefore(String text, SourcePosition at) {
        String line = lineOf(text, at.line());
        Matcher m = TRAILING_FIELD.matcher(line.substring(0, Math.min(line.length(), at.column() - 1)));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static String tokenAt(String text, SourcePosition at) {
        String line = lineOf(text, at.line());
        int start = Math.min(line.length(), at.column() - 1);
        int end = start;
        while (end < line.length() && !Character.isWhitespace(line.charAt(end)) && "{}<>#".indexOf(line.charAt(end)) < 0) {
            end++;
        }
        return line.substring(start, end);
    }

    private static String lineOf(String text, int line) {
        String[] lines = text.split("\n", -1);
        return line - 1 < lines.length ? lines[line - 1] : "";
    }

    /** Whether nothing but white space follows the error position: the file ended inside a block or field. */
    private static boolean isAtEnd(String text, SourcePosition at) {
        String[] lines = text.split("\n", -1);
        return at.line() > lines.length || text.substring(offsetOf(lines, at)).isBlank();
    }

    private static int offsetOf(String[] lines, SourcePosition at) {
        int offset = 0;
        for (int i = 0; i < at.line() - 1; i++) {
            offset += lines[i].length() + 1;
        }
        return Math.min(offset + at.column() - 1, offset + lines[at.line() - 1].length());
    }

    private static CfgException syntax(String source, String code, SourcePosition at, String message) {
        return new CfgException(List.of(Diagnostic.error(code, "", message).at(at)), false, source);
    }
}
