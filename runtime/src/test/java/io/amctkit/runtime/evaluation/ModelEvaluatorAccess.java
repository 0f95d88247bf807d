package io.amctkit.runtime.evaluation;

import io.amctkit.runtime.onnx.proto.ModelProto;

import java.util.Map;

/** Test access to the evaluator's measuring pass over a reference model and variants. */
public final class ModelEvaluatorAccess {

    private ModelEvaluatorAccess() {
    }

    /** The float and the "pruned" variant's accuracy. */
    public static Accuracy measure(ModelProto reference, Map<String, ModelProto> variants, ModelEvaluator.Options options) {
        return ModelEvaluator.measure(reference, variants, options).accuracy().orElseThrow();
    }
}
