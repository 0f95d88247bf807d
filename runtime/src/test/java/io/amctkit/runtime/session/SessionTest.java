package io.amctkit.runtime.session;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.ModelZoo;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.record.proto.ScaleOffsetRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions on real models: what AMCT's kernels do to each layer, and the record file AMCT would read. */
@Tag("real-model")
class SessionTest {

    private final Kernels kernels = Backends.select().kernels(2);

    private static Model zoo(String id) {
        return Models.open(ModelZoo.standard().fetch(ModelZoo.entry(id).orElseThrow()));
    }

    @Test
    void int8WeightsOfTheWakeWordModel() throws Exception {
        RetrainConfig cfg = RetrainConfig.parse("q.cfg", "retrain_data_quant_config { ulq_quantize { clip_max_min {"
                + " clip_max: 6.0 clip_min: -6.0 } } }\nretrain_weight_quant_config { arq_retrain { channel_wise: false } }\n");
        try (Model m = zoo("openwakeword")) {
            SessionResult r = Session.of(m, cfg, Mode.QUANT).run(kernels, Session.Progress.NONE);
            assertTrue(r.accepted());
            assertEquals(3, r.layers().size());
            for (LayerReport l : r.layers()) {
                assertTrue(l.quantized(), l.name());
                assertEquals(8, l.weightBits());
                assertEquals(l.scaleMin(), l.scaleMax(), "per-tensor: one scale");
                double sqnr = l.error().orElseThrow().sqnrDb();
                assertTrue(sqnr > 25 && sqnr < 60, l.name() + " SQNR " + sqnr);
                assertTrue(l.error().get().maxAbs() <= l.scaleMax() / 2 * 1.0001, "rounding error ≤ half a step");
            }
            assertEquals(4.0, r.compressionRatio(), 1e-9);
            assertEquals(77921 - 32 - 32 - 1, r.paramsBefore(), "weights without biases");
            ScaleOffsetRecord record = RecordFile.of(r, m);
            assertEquals(3, record.getRecordCount());
            var first = record.getRecord(0);
            assertEquals("layer1", first.getKey());
            assertEquals(1, first.getValue().getScaleWCount());
            // clip [-6, 6] on a ReLU-less input: AMCT's asymmetric ULQ factors, scale 12/255, offset -128 + 128 = 0
            assertEquals(12f / 255f, first.getValue().getScaleD(), 1e-9f);
            assertEquals(0, first.getValue().getOffsetD());
            // blocks.0.fcn_layer reads a ReLU: fixed_min zeroes clip_min: scale 6/255, offset -128
            var second = record.getRecord(1).getValue();
            assertEquals(6f / 255f, second.getScaleD(), 1e-9f);
            assertEquals(-128, second.getOffsetD());
            assertEquals(record, RecordFile.parse(RecordFile.text(record)), "record.txt round-trips");
        }
    }

    @Test
    void filterPruningAndTwoFourOnThePaddleOcrDetector() throws Exception {
        try (Model m = zoo("paddleocr-det")) {
            SeedsForModel.Seeds seeds = SeedsForModel.of(m);
            SessionResult prune = Session.of(m, seeds.configs().get("prune"), Mode.PRUNE).run(kernels, Session.Progress.NONE);
            assertTrue(prune.accepted());
            LayerReport small = prune.layers().stream().filter(l -> l.filters() == 24 && l.keptFilters().isPresent())
                    .findFirst().orElseThrow();
            assertEquals(24, small.keptFilters().getAsInt(), "ascend_optimized rounds the kept 17 up to 32 > 24: nothing pruned");
            assertTrue(small.notes().stream().anyMatch(n -> n.contains("nothing is pruned")), small.notes().toString());
            assertTrue(prune.layers().stream().anyMatch(l -> l.keptFilters().isPresent() && l.keptFilters().getAsInt() < l.filters()),
                    "some layers do lose filters");
            assertTrue(prune.paramsAfter() < prune.paramsBefore());
            ScaleOffsetRecord record = RecordFile.of(prune, m);
            assertFalse(record.getPruneRecordList().isEmpty());
            assertEquals(record, RecordFile.parse(RecordFile.text(record)));

            SessionResult sparse = Session.of(m, seeds.configs().get("selective_prune"), Mode.PRUNE).run(kernels, Session.Progress.NONE);
            List<LayerReport> twoFour = sparse.layers().stream().filter(l -> l.pruneKind().equals("2:4")).toList();
            assertFalse(twoFour.isEmpty());
            for (LayerReport l : twoFour) {
                assertTrue(l.twoFourCompliant().orElseThrow(), l.name());
                assertTrue(l.realisedSparsity() <= 0.5 + 1e-12, l.name());
            }
            ScaleOffsetRecord sparseRecord = RecordFile.of(sparse, m);
            var selective = sparseRecord.getPruneRecordList().get(0).getSelectivePrune();
            LayerReport firstSparse = twoFour.get(0);
            assertEquals(firstSparse.name(), selective.getName());
            long[] shape = selective.getAttr(0).getIntsList().stream().mapToLong(Long::longValue).toArray();
            long elements = java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            float[] mask = SelectiveMaskPacking.unpack(selective.getAttr(1).getIntsList().stream().mapToLong(Long::longValue).toArray(),
                    (int) elements);
            double zeros = 0;
            for (float v : mask) {
                zeros += v == 0f ? 1 : 0;
            }
            assertEquals(firstSparse.realisedSparsity(), zeros / elements, 1e-12, "the packed mask is the computed one");
        }
    }
}
