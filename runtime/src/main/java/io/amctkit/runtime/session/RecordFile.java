package io.amctkit.runtime.session;

import com.google.protobuf.TextFormat;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.prune.FilterPruneRecord;
import io.amctkit.runtime.prune.PruneEntry;
import io.amctkit.runtime.record.proto.AttrProto;
import io.amctkit.runtime.record.proto.MapFiledEntry;
import io.amctkit.runtime.record.proto.PruneNode;
import io.amctkit.runtime.record.proto.PruneRecord;
import io.amctkit.runtime.record.proto.ScaleOffsetRecord;
import io.amctkit.runtime.record.proto.SingleLayerRecord;

import java.io.IOException;
import java.nio.file.Path;

/**
 * AMCT's record file ({@code ScaleOffsetRecord}, protobuf text format, keys are module names) from a session: per
 * quantized layer scale_w/offset_w/wts_type and, when the clip range is known, scale_d/offset_d/act_type; AMCT's
 * filter-prune records as its graph walk leaves them (see {@link io.amctkit.runtime.prune.FilterPruning}), then one
 * prune_record per 2:4 layer (mask_shape and the packed selective_mask).
 */
public final class RecordFile {

    private RecordFile() {
    }

    public static ScaleOffsetRecord of(SessionResult result, Model model) {
        ScaleOffsetRecord.Builder record = ScaleOffsetRecord.newBuilder();
        for (LayerReport r : result.layers()) {
            quantRecord(result, r).ifPresent(record::addRecord);
        }
        for (FilterPruneRecord r : result.filterPruning().records()) {
            record.addPruneRecord(filterRecord(r));
        }
        for (LayerReport r : result.layers()) {
            if (r.pruneKind().equals("2:4")) {
                record.addPruneRecord(selectiveRecord(r.name(), r.artifacts().maskShape(), r.artifacts().selectiveMask()));
            }
        }
        return record.build();
    }

    /** The layer's scale/offset record when it is quantized. */
    private static java.util.Optional<MapFiledEntry> quantRecord(SessionResult result, LayerReport r) {
        if (!r.quantized()) {
            return java.util.Optional.empty();
        }
        LayerArtifacts a = r.artifacts();
        SingleLayerRecord.Builder value = SingleLayerRecord.newBuilder();
        java.util.Optional<io.amctkit.runtime.calibration.Calibration.LayerActivation> calibrated = result.activation(r.name());
        if (calibrated.isPresent()) {
            var act = calibrated.get();
            value.setScaleD(act.scale()).setOffsetD(act.offset()).setActType("INT" + act.bits());
        } else {
            a.activation().ifPresent(act -> value.setScaleD(act.scale()).setOffsetD(act.offset()).setActType("INT" + act.bits()));
        }
        for (float s : a.weightScales()) {
            value.addScaleW(s).addOffsetW(0);
        }
        value.setWtsType("INT" + r.weightBits());
        return java.util.Optional.of(MapFiledEntry.newBuilder().setKey(r.name()).setValue(value).build());
    }

    private static PruneRecord filterRecord(FilterPruneRecord r) {
        PruneRecord.Builder prune = PruneRecord.newBuilder();
        r.producers().forEach(p -> prune.addProducer(node(p)));
        r.consumers().forEach(c -> prune.addConsumer(node(c)));
        return prune.build();
    }

    /** A 2:4 layer's prune_record: mask_shape, then the packed selective_mask {@code words}. */
    private static PruneRecord selectiveRecord(String layer, long[] maskShape, long[] words) {
        AttrProto.Builder shape = AttrProto.newBuilder().setName("mask_shape").setType(AttrProto.AttrType.INTS);
        for (long d : maskShape) {
            shape.addInts(d);
        }
        AttrProto.Builder mask = AttrProto.newBuilder().setName("selective_mask").setType(AttrProto.AttrType.INTS);
        for (long w : words) {
            mask.addInts(w);
        }
        return PruneRecord.newBuilder().setSelectivePrune(PruneNode.newBuilder().setName(layer).addAttr(shape).addAttr(mask))
                .build();
    }

    /**
     * Writes the record file of {@code result} atomically, streaming: the text {@link #text} would give for
     * {@link #of}, record by record, with each 2:4 mask read (from memory or the session's spool) while its layer is
     * written — an LLM's record (gigabytes of mask) never whole in memory. The mask values are printed as protobuf's
     * text format prints int64 (one {@code ints: N} line each), everything else by protobuf itself.
     */
    public static void write(SessionResult result, Path file) throws IOException {
        io.amctkit.dsl.internal.AtomicFiles.writeLarge(file, out -> {
            TextFormat.Printer printer = TextFormat.printer();
            for (LayerReport r : result.layers()) {
                java.util.Optional<MapFiledEntry> q = quantRecord(result, r);
                if (q.isPresent()) {
                    out.write(utf8(printer.printToString(ScaleOffsetRecord.newBuilder().addRecord(q.get()).build())));
                }
            }
            writeFilterRecords(printer, result.filterPruning(), out);
            for (LayerReport r : result.layers()) {
                if (r.pruneKind().equals("2:4")) {
                    writeSelective(printer, r.name(), r.artifacts().maskShape(),
                            java.nio.LongBuffer.wrap(r.artifacts().selectiveMask()), out);
                }
            }
            out.flush();
        }, true);
    }

    /** The filter-prune records, in AMCT's order (after the quantization records, before the 2:4 ones). */
    static void writeFilterRecords(TextFormat.Printer printer, io.amctkit.runtime.prune.FilterPruning pruning,
                                   java.io.OutputStream out) throws IOException {
        for (FilterPruneRecord r : pruning.records()) {
            out.write(utf8(printer.printToString(ScaleOffsetRecord.newBuilder().addPruneRecord(filterRecord(r)).build())));
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Closes the selective_mask attribute, its node and the prune_record: what follows the last mask value. */
    private static final String SELECTIVE_TAIL = "    }\n  }\n}\n";

    /** How protobuf indents a mask value: the fourth level (prune_record, selective_prune, attr). */
    private static final byte[] INTS = utf8("      ints: ");

    /** Mask values formatted per task when the record is written: about 0.5 MB of text each. */
    private static final int SLICE = 1 << 14;

    /**
     * One 2:4 prune_record: protobuf prints it without the mask values, which are inserted before its closing lines,
     * formatted in slices on all cores (an LLM's record is gigabytes of them) and written in order. Returns how many
     * bytes come before the first value line (where {@link #readValues} finds the values again).
     */
    static int writeSelective(TextFormat.Printer printer, String layer, long[] maskShape, java.nio.LongBuffer words,
                              java.io.OutputStream out) throws IOException {
        String empty = printer.printToString(ScaleOffsetRecord.newBuilder().addPruneRecord(
                selectiveRecord(layer, maskShape, new long[0])).build());
        if (!empty.endsWith(SELECTIVE_TAIL)) {
            throw new IllegalStateException("protobuf printed a selective prune_record as: " + empty);
        }
        byte[] head = utf8(empty.substring(0, empty.length() - SELECTIVE_TAIL.length()));
        out.write(head);
        int count = words.remaining();
        int slices = (count + SLICE - 1) / SLICE;
        int batch = Math.max(1, Math.min(slices, Runtime.getRuntime().availableProcessors()));
        byte[][] text = new byte[batch][SLICE * (INTS.length + 21)];   // reused: no allocation per slice
        int[] ends = new int[batch];
        for (int first = 0; first < slices; first += batch) {
            int firstSlice = first;
            int n = Math.min(batch, slices - first);
            java.util.stream.IntStream.range(0, n).parallel().forEach(t -> {
                int slice = firstSlice + t;
                ends[t] = lines(words, slice * SLICE, Math.min(count, (slice + 1) * SLICE), text[t]);
            });
            for (int t = 0; t < n; t++) {
                out.write(text[t], 0, ends[t]);
            }
        }
        out.write(utf8(SELECTIVE_TAIL));
        return head.length;
    }

    /**
     * {@code "      ints: N\n"} for words {@code [from, to)} (indices from {@code words}' position) into {@code b} (room for
     * {@code INTS.length + 21} bytes a word); returns the end.
     */
    private static int lines(java.nio.LongBuffer words, int from, int to, byte[] b) {
        int at = 0;
        int base = words.position();
        for (int i = from; i < to; i++) {
            LONG_LE.set(b, at, INTS_HEAD);   // the prefix in two stores: a 12-byte arraycopy per word cost a third more
            INT_LE.set(b, at + 8, INTS_TAIL);
            at = decimal(words.get(base + i), b, at + INTS.length);
            b[at++] = '\n';
        }
        return at;
    }

    /** {@link #INTS}' first eight bytes and its last four, little-endian. */
    private static final long INTS_HEAD = java.nio.ByteBuffer.wrap(INTS).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
    private static final int INTS_TAIL = java.nio.ByteBuffer.wrap(INTS).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(8);

    /**
     * {@code count} mask values read back from {@code file} at byte {@code offset}: as many {@code "      ints: N"} lines
     * as {@link #writeSelective} wrote there; anything else is an IOException naming the file and the byte.
     */
    static long[] readValues(Path file, long offset, int count) throws IOException {
        long[] values = new long[count];
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 20);
            buf.flip();
            long at = offset;   // the file byte at buf's index 0
            channel.position(offset);
            for (int i = 0; i < count; i++) {
                if (buf.remaining() < INTS.length + 21) {
                    at += buf.position();
                    buf.compact();
                    while (buf.hasRemaining() && channel.read(buf) > 0) {
                        // fill the buffer; a short file leaves it partly empty
                    }
                    buf.flip();
                }
                long lineAt = at + buf.position();
                for (byte expected : INTS) {
                    if (!buf.hasRemaining() || buf.get() != expected) {
                        throw new IOException(file + ": byte " + lineAt + " is not mask value " + (i + 1) + " of " + count
                                + " (the file changed since it was written)");
                    }
                }
                values[i] = parseValue(buf, file, lineAt);
            }
        }
        return values;
    }

    /** One decimal long up to its newline (consumed), as {@link Long#toString} prints it. */
    private static long parseValue(java.nio.ByteBuffer buf, Path file, long lineAt) throws IOException {
        boolean negative = buf.hasRemaining() && buf.get(buf.position()) == '-';
        if (negative) {
            buf.get();
        }
        long v = 0;   // accumulated negatively, as Long.parseLong does, so that Long.MIN_VALUE fits
        int digits = 0;
        while (buf.hasRemaining()) {
            byte c = buf.get();
            if (c == '\n' && digits > 0) {
                if (!negative && v == Long.MIN_VALUE) {
                    break;
                }
                return negative ? v : -v;
            }
            int d = c - '0';
            if (d < 0 || d > 9 || digits == 19 || v < (Long.MIN_VALUE + d) / 10) {
                break;
            }
            v = v * 10 - d;
            digits++;
        }
        throw new IOException(file + ": the mask value at byte " + lineAt + " is not a 64-bit integer on one line"
                + " (the file changed since it was written)");
    }

    /** "0000" … "9999" as four ASCII bytes in a little-endian int: four digits per store. */
    private static final int[] QUADS = quads();

    private static final java.lang.invoke.VarHandle INT_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.invoke.VarHandle LONG_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private static int[] quads() {
        int[] q = new int[10_000];
        for (int i = 0; i < q.length; i++) {
            q[i] = ('0' + i / 1000) | ('0' + i / 100 % 10) << 8 | ('0' + i / 10 % 10) << 16 | ('0' + i % 10) << 24;
        }
        return q;
    }

    /**
     * {@code v} in decimal (as {@link Long#toString(long)}) into {@code b} at {@code at}; returns the end. The bytes up to
     * three past the end may be overwritten (digits are stored four at a time): the caller's text goes on there.
     */
    static int decimal(long v, byte[] b, int at) {
        if (v == Long.MIN_VALUE) {
            byte[] s = utf8(Long.toString(v));
            System.arraycopy(s, 0, b, at, s.length);
            return at + s.length;
        }
        if (v < 0) {
            b[at++] = '-';
            v = -v;
        }
        if (v < 100_000_000L) {
            return upTo8((int) v, b, at);
        }
        long high = v / 100_000_000L;
        int low = (int) (v - high * 100_000_000L);
        if (high < 100_000_000L) {
            return exactly8(low, b, upTo8((int) high, b, at));
        }
        long top = high / 100_000_000L;
        int middle = (int) (high - top * 100_000_000L);
        return exactly8(low, b, exactly8(middle, b, upTo8((int) top, b, at)));
    }

    /** {@code v} (0 ≤ v &lt; 10⁸) without leading zeros. */
    private static int upTo8(int v, byte[] b, int at) {
        if (v < 10_000) {
            return upTo4(v, b, at);
        }
        int high = v / 10_000;
        int end = upTo4(high, b, at);
        INT_LE.set(b, end, QUADS[v - high * 10_000]);
        return end + 4;
    }

    /** {@code v} (0 ≤ v &lt; 10⁴) without leading zeros, in one four-byte store (past the digits: the next bytes' places). */
    private static int upTo4(int v, byte[] b, int at) {
        int digits = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : 4;
        INT_LE.set(b, at, QUADS[v] >>> (8 * (4 - digits)));   // the leading zeros (the low bytes) dropped
        return at + digits;
    }

    /** {@code v} (0 ≤ v &lt; 10⁸) as exactly eight digits. */
    private static int exactly8(int v, byte[] b, int at) {
        int high = v / 10_000;
        INT_LE.set(b, at, QUADS[high]);
        INT_LE.set(b, at + 4, QUADS[v - high * 10_000]);
        return at + 8;
    }

    /** One record node, its attributes in AMCT's order: type, begin, end, group, prune_group, prune_index. */
    private static PruneNode node(PruneEntry e) {
        PruneNode.Builder n = PruneNode.newBuilder().setName(e.name()).addAttr(string("type", e.type()))
                .addAttr(integer("begin", e.begin())).addAttr(integer("end", e.end()));
        e.group().ifPresent(g -> n.addAttr(integer("group", g)));
        e.pruneGroup().ifPresent(g -> n.addAttr(integer("prune_group", g)));
        if (e.pruneIndex().length > 0) {
            AttrProto.Builder index = AttrProto.newBuilder().setName("prune_index").setType(AttrProto.AttrType.INTS);
            for (int i : e.pruneIndex()) {
                index.addInts(i);
            }
            n.addAttr(index);
        }
        return n.build();
    }

    private static AttrProto string(String name, String value) {
        return AttrProto.newBuilder().setName(name).setType(AttrProto.AttrType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(value)).build();
    }

    private static AttrProto integer(String name, long value) {
        return AttrProto.newBuilder().setName(name).setType(AttrProto.AttrType.INT).setI(value).build();
    }

    /** The text AMCT writes and reads ({@code MessageToString}). */
    public static String text(ScaleOffsetRecord record) {
        return TextFormat.printer().printToString(record);
    }

    /** Reads a record file back. */
    public static ScaleOffsetRecord parse(String text) throws TextFormat.ParseException {
        ScaleOffsetRecord.Builder b = ScaleOffsetRecord.newBuilder();
        TextFormat.merge(text, b);
        return b.build();
    }

    /** Writes {@code record} atomically (temp file, then move), replacing an earlier record. */
    public static void write(ScaleOffsetRecord record, Path file) throws IOException {
        io.amctkit.dsl.internal.AtomicFiles.writeString(file, text(record), true);
    }
}
