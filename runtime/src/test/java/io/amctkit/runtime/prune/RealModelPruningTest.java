package io.amctkit.runtime.prune;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.runtime.export.PrunedExport;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.ModelZoo;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.session.RecordFile;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AMCT's filter pruning on real models: the PaddleOCR detector's pruned export is equivalent to the original with
 * the pruned channels' contributions removed; on all-MiniLM-L6-v2 nothing is prunable and every Linear says why.
 */
@Tag("real-model")
class RealModelPruningTest {

    static final String HALF = "prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.5"
            + " ascend_optimized: false } } }\n";

    static SessionResult session(OnnxModel m, String cfg) {
        return Session.of(m, RetrainConfig.parse("p.cfg", cfg), Mode.PRUNE).run(Backends.select().kernels(2), Session.Progress.NONE);
    }

    @Test
    void thePrunedDetectorComputesTheOriginalWithoutThePrunedChannels() throws Exception {
        try (OnnxModel m = (OnnxModel) Models.open(ModelZoo.standard().fetch(ModelZoo.entry("paddleocr-det").orElseThrow()))) {
            SessionResult s = session(m, HALF);
            FilterPruning p = s.filterPruning();
            PrunedExport.Result r = PrunedExport.of(m, s);
            assertTrue(r.refused().isEmpty(), r.refused().toString());
            ModelProto pruned = r.model().orElseThrow();
            // every producer AMCT prunes lost exactly its prune_index rows
            for (FilterPruneRecord rec : p.records()) {
                for (PruneEntry e : rec.producers()) {
                    ModelLayer layer = m.layer(e.name()).orElseThrow();
                    long kept = layer.outChannels().getAsInt() - p.prunedOutputs(e.name()).length;
                    assertEquals(kept, PruneEquivalence.dims(pruned, layer.weight().name()).get(0), e.name());
                }
            }
            assertTrue(p.keptWhole().values().stream().anyMatch(why -> why.contains("HardSigmoid")), p.keptWhole().toString());
            var record = RecordFile.parse(RecordFile.text(RecordFile.of(s, m)));
            // real text images (a committed fixture): random noise gives a probability map of zeros, no test at all
            java.nio.file.Path images = java.nio.file.Path.of(RealModelPruningTest.class.getResource("/models/det_samples.npy").toURI());
            // the head ends in a Sigmoid that saturates: compare the logits that feed it
            String output = m.proto().getGraph().getOutput(0).getName();
            var sigmoid = m.proto().getGraph().getNodeList().stream().filter(n -> n.getOutput(0).equals(output)).findFirst().orElseThrow();
            assertEquals("Sigmoid", sigmoid.getOpType());
            ModelProto[] logits = PruneEquivalence.exposing(m.proto(), pruned, java.util.List.of(sigmoid.getInput(0)));
            long compared = PruneEquivalence.check(logits[0], logits[1], record, name -> m.layer(name).orElseThrow().weight().name(), 2,
                    io.amctkit.runtime.calibration.FileSamples.source(images));
            assertTrue(compared > 1000);
            // under AMCT's rules 14 convolutions lose half their filters; 34 stay whole (HardSigmoid, Mul, …), said per layer
            assertEquals(14, r.pruned().size(), r.pruned().toString());
            assertEquals(34, p.keptWhole().size());
            assertTrue(pruned.getSerializedSize() < 0.9 * java.nio.file.Files.size(m.source()), "fewer bytes");
        }
    }

    @Test
    void onMiniLmNothingIsPrunableAndEveryLinearSaysWhy() throws Exception {
        try (OnnxModel m = (OnnxModel) Models.open(ModelZoo.standard().fetch(ModelZoo.entry("minilm").orElseThrow()))) {
            SessionResult s = session(m, HALF.replace("0.5", "0.3"));
            FilterPruning p = s.filterPruning();
            assertTrue(p.records().isEmpty(), p.records().toString());
            Map<String, String> why = p.keptWhole();
            for (ModelLayer l : m.layers()) {
                assertTrue(why.containsKey(l.name()), l.name() + " says why it keeps its filters");
            }
            assertEquals("its output reaches Div of a GELU (Div → Erf → Add → Mul) node '/encoder/layer.0/intermediate/intermediate_act_fn/Div',"
                    + " which AMCT's pruning does not pass",
                    why.get("encoder.layer.0.intermediate.dense"));
            assertTrue(PrunedExport.of(m, s).model().isEmpty());
        }
    }
}
