package io.amctkit.runtime.export;

import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;

import java.util.Optional;

/**
 * The compressed models a session's config leads to, built once for whoever needs them (the model-level evaluation,
 * the report's files): the fake-quant model when layers are quantized, the pruned model when AMCT has filter-prune
 * records.
 */
public record Exports(Optional<FakeQuantExport.Result> fakeQuant, Optional<PrunedExport.Result> pruned) {

    public static Exports of(OnnxModel model, SessionResult session) {
        Optional<FakeQuantExport.Result> fq = session.layers().stream().anyMatch(LayerReport::quantized)
                ? Optional.of(FakeQuantExport.of(model, session)) : Optional.empty();
        Optional<PrunedExport.Result> pruned = session.filterPruning().records().isEmpty()
                ? Optional.empty() : Optional.of(PrunedExport.of(model, session));
        return new Exports(fq, pruned);
    }

    /** The fake-quant model, when at least one layer could be quantized in it. */
    public Optional<ModelProto> fakeQuantModel() {
        return fakeQuant.filter(r -> !r.quantized().isEmpty()).map(FakeQuantExport.Result::model);
    }

    /** The pruned model, when one is written (AMCT prunes something, and its pruned model computes what it should). */
    public Optional<ModelProto> prunedModel() {
        return pruned.flatMap(PrunedExport.Result::model);
    }
}
