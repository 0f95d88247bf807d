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
        for (FilterPruneRecord r : result.filterPruning().records()) {
            PruneRecord.Builder prune = PruneRecord.newBuilder();
            r.producers().forEach(p -> prune.addProducer(node(p)));
            r.consumers().forEach(c -> prune.addConsumer(node(c)));
            record.addPruneRecord(prune);
        }
        for (LayerReport r : result.layers()) {
            LayerArtifacts a = r.artifacts();
            if (r.quantized()) {
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
                record.addRecord(MapFiledEntry.newBuilder().setKey(r.name()).setValue(value));
            }
            if (r.pruneKind().equals("2:4")) {
                AttrProto.Builder shape = AttrProto.newBuilder().setName("mask_shape").setType(AttrProto.AttrType.INTS);
                for (long d : a.maskShape()) {
                    shape.addInts(d);
                }
                AttrProto.Builder mask = AttrProto.newBuilder().setName("selective_mask").setType(AttrProto.AttrType.INTS);
                for (long w : a.selectiveMask()) {
                    mask.addInts(w);
                }
                record.addPruneRecord(PruneRecord.newBuilder().setSelectivePrune(
                        PruneNode.newBuilder().setName(r.name()).addAttr(shape).addAttr(mask)));
            }
        }
        return record.build();
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

    /** Writes atomically (temp file, then move), replacing an earlier record. */
    public static void write(ScaleOffsetRecord record, Path file) throws IOException {
        io.amctkit.dsl.internal.AtomicFiles.writeString(file, text(record), true);
    }
}
