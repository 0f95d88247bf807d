package io.amctkit.runtime.prune;

import java.util.Set;

/**
 * AMCT's operator lists for filter pruning ({@code capacity_config.csv}, pruning-graph.md §2), as data: which ONNX
 * types can produce a record, which read one, which are invisible to it and which merge records.
 */
final class PruneRoles {

    /** {@code PRUNABLE_ONNX_TYPES}: can be an active producer. */
    static final Set<String> PRUNABLE = Set.of("Conv", "Gemm", "MatMul");

    /** {@code PASSIVE_PRUNABLE_ONNX_TYPES}: their input channels are pruned as consumers. */
    static final Set<String> PASSIVE = Set.of("Conv", "Gemm", "MatMul", "ConvTranspose", "BatchNormalization");

    /** {@code CHANNEL_UNRELATED_ONNX_TYPES_P1 + _P2}: deleted before the analysis. */
    static final Set<String> CHANNEL_UNRELATED = Set.of("MaxPool", "AveragePool", "GlobalAveragePool", "Pad", "Relu",
            "LeakyRelu", "LogSoftmax", "Softmax", "Abs", "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "Bernoulli",
            "Ceil", "Celu", "Clip", "Cast", "CastLike", "Cos", "Cosh", "Dropout", "Identity", "Round", "Pow");

    /** {@code ELTWISE_ONNX_TYPES}: merge the records of their two inputs. */
    static final String ELTWISE = "Add";

    /** The fake node AMCT puts in place of GlobalAveragePool + Flatten. */
    static final String D4TO2 = "D4toD2";

    /** Types whose input 1 is a weight (or, for BatchNormalization, the scale). */
    static final Set<String> WEIGHTED = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization");

    private PruneRoles() {
    }

    /** What a blocking op is, in words a user knows: the op type, and what an exported Erf stands for. */
    static String describe(String op) {
        return op.equals("Erf") ? "Erf (GELU)" : op;
    }
}
