package io.amctkit.runtime.prune;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.runtime.export.PrunedExport;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.record.proto.ScaleOffsetRecord;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.RecordFile;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AMCT's filter-prune records on the topologies of pruning-graph.md §11, and the pruned export of each: AMCT's
 * pruned shapes, and outputs equal to the original model with the pruned channels' contributions removed.
 */
public class FilterPruningTest {

    public static final String PRUNE_03 = "prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.3"
            + " ascend_optimized: false } } }\n";

    @TempDir
    Path dir;

    record Run(OnnxModel model, SessionResult session, ScaleOffsetRecord record, PrunedExport.Result export) {
        List<FilterPruneRecord> records() {
            return session.filterPruning().records();
        }

        int kept(String layer) {
            return session.layers().stream().filter(l -> l.name().equals(layer)).findFirst().orElseThrow().keptFilters().orElse(-1);
        }

        LayerReport layer(String name) {
            return session.layers().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
        }

        /** Runs the equivalence test; returns the number of values compared. */
        long equivalent() throws Exception {
            return PruneEquivalence.check(model.proto(), export.model().orElseThrow(), record,
                    name -> model.layer(name).orElseThrow().weight().name(), 3);
        }
    }

    Run run(TinyNet net, String cfg) throws Exception {
        Path file = net.write(dir.resolve("net" + System.nanoTime() + ".onnx"));
        OnnxModel m = (OnnxModel) Models.open(file);
        SessionResult s = Session.of(m, RetrainConfig.parse("p.cfg", cfg), Mode.PRUNE).run(Backends.select().kernels(1), Session.Progress.NONE);
        assertTrue(s.accepted(), () -> s.resolution().rejection().toString());
        ScaleOffsetRecord record = RecordFile.parse(RecordFile.text(RecordFile.of(s, m)));
        return new Run(m, s, record, PrunedExport.of(m, s));
    }

    static void entry(PruneEntry e, String name, String type, int begin, int end, OptionalInt group, OptionalInt pruneGroup) {
        assertEquals(name, e.name());
        assertEquals(type, e.type(), name);
        assertEquals(begin, e.begin(), name + " begin");
        assertEquals(end, e.end(), name + " end");
        assertEquals(group, e.group(), name + " group");
        assertEquals(pruneGroup, e.pruneGroup(), name + " prune_group");
    }

    static int[] shifted(int[] idx, int by) {
        return Arrays.stream(idx).map(i -> i + by).toArray();
    }

    /** P1: conv1-bn1-relu-conv2-relu-GAP-Flatten-fc1-relu-fc2. */
    public static TinyNet p1() {
        TinyNet n = new TinyNet(1);
        String x = n.input("x", 1, 3, 8, 8);
        x = n.relu(n.bn("bn1", n.conv("conv1", x, 3, 20), 20));
        x = n.relu(n.conv("conv2", x, 20, 32));
        x = n.gapFlatten(x);
        x = n.relu(n.gemm("fc1", x, 32, 24));
        n.output(n.gemm("fc2", x, 24, 10));
        return n;
    }

    @Test
    void p1RecordsFollowTheChainThroughGapAndFlattenIntoTheLinears() throws Exception {
        Run r = run(p1(), PRUNE_03);
        List<FilterPruneRecord> recs = r.records();
        assertEquals(3, recs.size(), recs + " " + r.session().filterPruning().keptWhole());
        OptionalInt none = OptionalInt.empty();
        entry(recs.get(0).producers().get(0), "conv1", "Conv", 0, 20, none, none);
        assertEquals(2, recs.get(0).consumers().size());
        entry(recs.get(0).consumers().get(0), "bn1", "BatchNormalization", 0, 20, none, none);
        entry(recs.get(0).consumers().get(1), "conv2", "Conv", 0, 20, none, none);
        entry(recs.get(1).producers().get(0), "conv2", "Conv", 0, 32, none, none);
        entry(recs.get(1).consumers().get(0), "fc1", "Gemm", 0, 32, none, none);
        assertEquals(1, recs.get(1).consumers().size(), "the D4toD2 entry is dropped before saving");
        entry(recs.get(2).producers().get(0), "fc1", "Gemm", 0, 24, none, none);
        entry(recs.get(2).consumers().get(0), "fc2", "Gemm", 0, 24, none, none);
        for (FilterPruneRecord rec : recs) {
            int[] idx = rec.producers().get(0).pruneIndex();
            rec.consumers().forEach(c -> assertArrayEquals(idx, c.pruneIndex(), "prune_index on every consumer"));
        }
        assertEquals(14, r.kept("conv1"));
        assertEquals(22, r.kept("conv2"));
        assertEquals(17, r.kept("fc1"));
        assertEquals(10, r.kept("fc2"));
        assertTrue(r.session().filterPruning().keptWhole().get("fc2").contains("model output"), r.session().filterPruning().keptWhole().toString());
        // pruned_model.onnx: AMCT's shapes, and the equivalence test
        ModelProto pruned = r.export().model().orElseThrow();
        assertEquals(List.of(14L, 3L, 3L, 3L), PruneEquivalence.dims(pruned, "conv1.weight"));
        assertEquals(List.of(14L), PruneEquivalence.dims(pruned, "bn1.running_var"));
        assertEquals(List.of(22L, 14L, 3L, 3L), PruneEquivalence.dims(pruned, "conv2.weight"));
        assertEquals(List.of(17L, 22L), PruneEquivalence.dims(pruned, "fc1.weight"));
        assertEquals(List.of(10L, 17L), PruneEquivalence.dims(pruned, "fc2.weight"));
        assertTrue(r.equivalent() > 0);
        // the record text AMCT reads: attributes in AMCT's order
        String text = RecordFile.text(r.record());
        assertTrue(text.contains("producer {\n    name: \"conv1\"\n    attr {\n      name: \"type\"\n      type: STRING\n      s: \"Conv\"\n    }\n"
                + "    attr {\n      name: \"begin\"\n      type: INT\n      i: 0\n    }\n    attr {\n      name: \"end\"\n      type: INT\n      i: 20\n    }\n"
                + "    attr {\n      name: \"prune_index\"\n      type: INTS\n"), text);
    }

    @Test
    void p1WithAscendOptimizedKeepsTheRecordsThatFindNothingToPrune() throws Exception {
        Run r = run(p1(), PRUNE_03.replace("false", "true"));
        assertEquals(3, r.records().size());
        assertEquals(16, r.kept("conv1"));
        assertFalse(r.records().get(1).prunes(), "32 channels: 22 kept, rounded up to 32");
        assertFalse(r.records().get(2).prunes(), "24 channels: 17 kept, rounded up to 32");
        assertEquals(0, r.record().getPruneRecord(1).getProducer(0).getAttrList().stream().filter(a -> a.getName().equals("prune_index")).count());
        assertTrue(r.session().filterPruning().keptWhole().get("conv2").contains("no channel to prune"));
        assertTrue(r.equivalent() > 0);
    }

    /** P2: conv0 → (conv_a, conv_b) → Add → conv_c. */
    @Test
    void p2AddMergesItsTwoProducersIntoOneRecord() throws Exception {
        TinyNet n = new TinyNet(2);
        String x = n.relu(n.conv("conv0", n.input("x", 1, 3, 8, 8), 3, 16));
        String a = n.conv("conv_a", x, 16, 32);
        String b = n.conv("conv_b", x, 16, 32);
        String sum = n.op("Add", "/Add", new String[]{a, b});
        n.output(n.conv("conv_c", n.relu(sum), 32, 8));
        Run r = run(n, PRUNE_03);
        assertEquals(2, r.records().size(), r.records().toString());
        OptionalInt none = OptionalInt.empty();
        FilterPruneRecord r0 = r.records().get(0);
        assertEquals(List.of("conv0"), r0.producerNames());
        assertEquals(List.of("conv_a", "conv_b"), r0.consumers().stream().map(PruneEntry::name).toList());
        FilterPruneRecord r1 = r.records().get(1);
        assertEquals(List.of("conv_a", "conv_b"), r1.producerNames(), "one record with both producers");
        entry(r1.consumers().get(0), "/Add", "Add", 0, 32, none, none);
        entry(r1.consumers().get(1), "conv_c", "Conv", 0, 32, none, none);
        assertArrayEquals(r1.producers().get(0).pruneIndex(), r1.producers().get(1).pruneIndex(), "the same channels on both sides");
        assertEquals(22, r.kept("conv_a"), "32 - round(9.6)");
        assertEquals(22, r.kept("conv_b"));
        assertTrue(r.equivalent() > 0);
    }

    /** P3: conv1 → gconv (groups 2) → conv3. */
    @Test
    void p3GroupedConvolutionBalancesThePrunedChannelsPerGroup() throws Exception {
        TinyNet n = new TinyNet(3);
        String x = n.relu(n.conv("conv1", n.input("x", 1, 3, 8, 8), 3, 32));
        x = n.relu(n.conv("gconv", x, 32, 32, 3, 2));
        x = n.relu(n.conv("conv3", x, 32, 16));
        n.output(n.conv("head", x, 16, 4));
        Run r = run(n, PRUNE_03);
        OptionalInt two = OptionalInt.of(2);
        FilterPruneRecord r0 = r.records().get(0);
        entry(r0.producers().get(0), "conv1", "Conv", 0, 32, OptionalInt.empty(), two);
        entry(r0.consumers().get(0), "gconv", "Conv", 0, 32, two, OptionalInt.empty());
        FilterPruneRecord r1 = r.records().get(1);
        entry(r1.producers().get(0), "gconv", "Conv", 0, 32, two, two);
        entry(r1.consumers().get(0), "conv3", "Conv", 0, 32, OptionalInt.empty(), OptionalInt.empty());
        for (FilterPruneRecord rec : List.of(r0, r1)) {
            int[] idx = rec.producers().get(0).pruneIndex();
            assertEquals(10, idx.length);
            assertEquals(5, Arrays.stream(idx).filter(i -> i < 16).count(), "5 per half: " + Arrays.toString(idx));
        }
        ModelProto pruned = r.export().model().orElseThrow();
        assertEquals(List.of(22L, 11L, 3L, 3L), PruneEquivalence.dims(pruned, "gconv.weight"));
        assertTrue(r.equivalent() > 0);
    }

    /** Linear → ReLU → Linear on a 3-D input: MatMul with a constant weight and the bias Add AMCT folds away. */
    @Test
    void linearsExportedAsMatMulPruneOutputFeaturesAndTheNextInputs() throws Exception {
        TinyNet n = new TinyNet(4);
        String x = n.relu(n.matmul("fc1", n.input("x", 2, 5, 16), 16, 32));
        x = n.relu(n.matmul("fc2", x, 32, 24));
        n.output(n.matmul("fc3", x, 24, 8));
        Run r = run(n, PRUNE_03);
        assertEquals(2, r.records().size(), r.records() + " " + r.session().filterPruning().keptWhole());
        entry(r.records().get(0).producers().get(0), "fc1", "MatMul", 0, 32, OptionalInt.empty(), OptionalInt.empty());
        entry(r.records().get(0).consumers().get(0), "fc2", "MatMul", 0, 32, OptionalInt.empty(), OptionalInt.empty());
        entry(r.records().get(1).consumers().get(0), "fc3", "MatMul", 0, 24, OptionalInt.empty(), OptionalInt.empty());
        ModelProto pruned = r.export().model().orElseThrow();
        assertEquals(List.of(16L, 22L), PruneEquivalence.dims(pruned, "onnx::MatMul_fc1"));
        assertEquals(List.of(22L), PruneEquivalence.dims(pruned, "fc1.bias"));
        assertEquals(List.of(22L, 17L), PruneEquivalence.dims(pruned, "onnx::MatMul_fc2"));
        assertTrue(r.equivalent() > 0);
    }

    /** Cat2: cat([conv_a 16, conv_b 24]) → conv_c. */
    @Test
    void concatKeepsOneRecordPerInputAtItsOffset() throws Exception {
        TinyNet n = new TinyNet(5);
        String x = n.input("x", 1, 3, 8, 8);
        String a = n.relu(n.conv("conv_a", x, 3, 16));
        String b = n.relu(n.conv("conv_b", x, 3, 24));
        String c = n.relu(n.conv("conv_c", n.concat(a, b), 40, 16));
        n.output(n.conv("conv_d", c, 16, 4));
        Run r = run(n, PRUNE_03);
        assertEquals(3, r.records().size(), r.records().toString());
        FilterPruneRecord rb = r.records().get(1);
        assertEquals(List.of("conv_b"), rb.producerNames());
        PruneEntry cat = rb.consumers().get(0);
        PruneEntry conv = rb.consumers().get(1);
        entry(cat, cat.name(), "Concat", 16, 40, OptionalInt.empty(), OptionalInt.empty());
        entry(conv, "conv_c", "Conv", 16, 40, OptionalInt.empty(), OptionalInt.empty());
        assertArrayEquals(shifted(rb.producers().get(0).pruneIndex(), 16), conv.pruneIndex(), "local indices + begin");
        assertEquals(40 - 5 - 7, PruneEquivalence.dims(r.export().model().orElseThrow(), "conv_c.weight").get(1));
        assertTrue(r.equivalent() > 0);
    }

    /** CatMixed: cat([conv_a 16, dw 3, conv_b 16]) → conv_c — AMCT's offset bug (§8.4). */
    @Test
    void concatWithAnUnprunedInputReproducesAmctsOffsetBugAndWritesNoModel() throws Exception {
        TinyNet n = new TinyNet(6);
        String x = n.input("x", 1, 3, 8, 8);
        String a = n.relu(n.conv("conv_a", x, 3, 16));
        String dw = n.relu(n.conv("dw", x, 3, 3, 3, 3));
        String b = n.relu(n.conv("conv_b", x, 3, 16));
        String c = n.relu(n.conv("conv_c", n.concat(a, dw, b), 35, 16));
        n.output(n.conv("conv_d", c, 16, 4));
        Run r = run(n, PRUNE_03);
        FilterPruneRecord rb = r.records().stream().filter(rec -> rec.producerNames().equals(List.of("conv_b"))).findFirst().orElseThrow();
        assertEquals(19, rb.consumers().get(0).begin(), "the Concat entry is right");
        assertEquals(16, rb.consumers().get(1).begin(), "AMCT's conv_c entry counts over the records only");
        assertTrue(r.export().model().isEmpty(), "no pruned model that computes something else");
        assertTrue(r.export().refused().get(0).contains("Concat-offset"), r.export().refused().toString());
        assertTrue(r.session().filterPruning().warnings().stream().anyMatch(w -> w.startsWith("AMCT bug")));
    }

    /** conv1 → depthwise → conv2: the depthwise convolution passes the record on and loses the same channels. */
    @Test
    void depthwiseConsumersLoseTheSameChannelsAndGroups() throws Exception {
        TinyNet n = new TinyNet(7);
        String x = n.relu(n.conv("conv1", n.input("x", 1, 3, 8, 8), 3, 16));
        x = n.relu(n.conv("dw", x, 16, 16, 3, 16));
        x = n.relu(n.conv("conv2", x, 16, 24));
        n.output(n.conv("conv3", x, 24, 4));
        Run r = run(n, PRUNE_03);
        FilterPruneRecord r0 = r.records().get(0);
        assertEquals(List.of("dw", "conv2"), r0.consumers().stream().map(PruneEntry::name).toList());
        assertEquals(OptionalInt.empty(), r0.consumers().get(0).group(), "depthwise: prune group 1, no group attribute");
        ModelProto pruned = r.export().model().orElseThrow();
        assertEquals(List.of(11L, 1L, 3L, 3L), PruneEquivalence.dims(pruned, "dw.weight"));
        assertEquals(11, pruned.getGraph().getNodeList().stream().filter(nd -> nd.getName().equals("/dw/Conv")).findFirst().orElseThrow()
                .getAttributeList().stream().filter(at -> at.getName().equals("group")).findFirst().orElseThrow().getI());
        assertTrue(r.equivalent() > 0);
    }

    @Test
    void aBlockingOpKeepsTheLayerWholeAndSaysWhich() throws Exception {
        TinyNet n = new TinyNet(8);
        String x = n.conv("conv1", n.input("x", 1, 3, 8, 8), 3, 16);
        x = n.op("Sigmoid", "/act/Sigmoid", new String[]{x});
        x = n.relu(n.conv("conv2", x, 16, 16));
        x = n.op("Erf", "/act2/Erf", new String[]{x});
        n.output(n.conv("conv3", x, 16, 4));
        Run r = run(n, PRUNE_03);
        assertTrue(r.records().isEmpty(), r.records().toString());
        assertEquals("its output reaches Sigmoid node '/act/Sigmoid', which AMCT's pruning does not pass",
                r.session().filterPruning().keptWhole().get("conv1"));
        assertTrue(r.session().filterPruning().keptWhole().get("conv2").contains("Erf (GELU)"));
        assertTrue(r.layer("conv1").notes().stream().anyMatch(s -> s.startsWith("keeps its filters: its output reaches Sigmoid")));
        assertTrue(r.export().model().isEmpty());
    }

    /** A residual CNN of our own: stem, two identity blocks, GlobalAveragePool + Flatten, a Linear head. */
    public static TinyNet residual() {
        TinyNet n = new TinyNet(9);
        String x = n.relu(n.conv("stem", n.input("x", 1, 3, 16, 16), 3, 16));
        for (int b = 1; b <= 2; b++) {
            String y = n.relu(n.conv("layer" + b + ".conv1", x, 16, 16));
            y = n.conv("layer" + b + ".conv2", y, 16, 16);
            x = n.relu(n.op("Add", "/layer" + b + "/Add", new String[]{x, y}));   // x + block(x): the identity is input 0
        }
        n.output(n.gemm("fc", n.gapFlatten(x), 16, 10));
        return n;
    }

    @Test
    void residualChainsMergeIntoOneRecordAndTheExportIsEquivalent() throws Exception {
        Run r = run(residual(), PRUNE_03);
        FilterPruneRecord chain = r.records().get(0);
        assertEquals(List.of("stem", "layer1.conv2", "layer2.conv2"), chain.producerNames(), "merged at each Add, input 0 first");
        assertEquals(List.of("layer1.conv1", "/layer1/Add", "layer2.conv1", "/layer2/Add", "fc"),
                chain.consumers().stream().map(PruneEntry::name).toList(), "pruning-graph.md §11, ResNet chain");
        assertEquals("Gemm", chain.consumers().get(4).type());
        assertEquals(List.of("layer1.conv1"), r.records().get(1).producerNames());
        assertEquals(List.of("layer2.conv1"), r.records().get(2).producerNames());
        assertEquals(3, r.records().size(), "the chain plus one record per block's conv1");
        assertTrue(r.equivalent() > 0);
    }
}
