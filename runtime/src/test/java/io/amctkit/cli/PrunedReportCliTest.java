package io.amctkit.cli;

import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.prune.FilterPruningTest;
import io.amctkit.runtime.record.proto.AttrProto;
import io.amctkit.runtime.record.proto.PruneNode;
import io.amctkit.runtime.record.proto.PruneRecord;
import io.amctkit.runtime.record.proto.ScaleOffsetRecord;
import io.amctkit.runtime.session.RecordFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.amctkit.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code report --mode compressed --out DIR} on the P1 chain of pruning-graph.md §11 (conv1-bn1-relu-conv2-relu-GAP-
 * Flatten-fc1-relu-fc2, ratio 0.3): record.txt holds AMCT's three filter-prune records, pruned_model.onnx AMCT's
 * pruned weight shapes, and the fake-quant model quantizes the layers the pruned model keeps.
 */
class PrunedReportCliTest {

    @TempDir
    Path dir;

    static List<String> names(List<PruneNode> nodes) {
        return nodes.stream().map(PruneNode::getName).toList();
    }

    static String type(PruneNode n) {
        return n.getAttrList().stream().filter(a -> a.getName().equals("type")).findFirst().orElseThrow().getS().toStringUtf8();
    }

    static List<Long> index(PruneNode n) {
        return n.getAttrList().stream().filter(a -> a.getName().equals("prune_index")).findFirst().map(AttrProto::getIntsList).orElse(List.of());
    }

    @Test
    void compressedReportWritesAmctsRecordsAndThePrunedModel() throws Exception {
        Path model = FilterPruningTest.p1().write(dir.resolve("p1.onnx"));
        Path cfg = Files.writeString(dir.resolve("c.cfg"), "retrain_data_quant_config { ulq_quantize { clip_max_min { clip_max: 6"
                + " clip_min: -6 } } }\nretrain_weight_quant_config { arq_retrain { channel_wise: false } }\n"
                + FilterPruningTest.PRUNE_03);
        Path out = dir.resolve("out");
        CliTest.Result r = run("report", "--model", model.toString(), "--cfg", cfg.toString(), "--mode", "compressed", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("4 layers: 4 quantized, 3 pruned"), r.out());
        ScaleOffsetRecord record = RecordFile.parse(Files.readString(out.resolve("record.txt")));
        assertEquals(4, record.getRecordCount(), "scale_w for every quantized layer");
        assertEquals(3, record.getPruneRecordCount());
        PruneRecord r0 = record.getPruneRecord(0);
        assertEquals(List.of("conv1"), names(r0.getProducerList()));
        assertEquals(List.of("bn1", "conv2"), names(r0.getConsumerList()));
        assertEquals("BatchNormalization", type(r0.getConsumer(0)));
        assertEquals(6, index(r0.getProducer(0)).size());
        assertEquals(index(r0.getProducer(0)), index(r0.getConsumer(1)), "prune_index on the consumers too");
        assertEquals(List.of("fc1"), names(record.getPruneRecord(1).getConsumerList()));
        assertEquals("Gemm", type(record.getPruneRecord(1).getConsumer(0)));
        assertEquals(List.of("fc1"), names(record.getPruneRecord(2).getProducerList()));
        assertEquals(List.of("fc2"), names(record.getPruneRecord(2).getConsumerList()));

        ModelProto pruned = ModelProto.parseFrom(Files.readAllBytes(out.resolve("pruned_model.onnx")));
        assertEquals(List.of(14L, 3L, 3L, 3L), dims(pruned, "conv1.weight"));
        assertEquals(List.of(22L, 14L, 3L, 3L), dims(pruned, "conv2.weight"));
        assertEquals(List.of(17L, 22L), dims(pruned, "fc1.weight"));
        assertEquals(List.of(10L, 17L), dims(pruned, "fc2.weight"));
        assertTrue(Files.exists(out.resolve("fake_quant_model.onnx")) && Files.exists(out.resolve("deploy_model.onnx")));
        assertTrue(r.err().contains("filter pruning keeps fc2 whole: its output reaches the model output"), "the kept layer says why: " + r.err());
    }

    static List<Long> dims(ModelProto m, String name) {
        return m.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst()
                .map(TensorProto::getDimsList).orElseThrow();
    }
}
