package io.amctkit.runtime.session;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What AMCT's QAT and pruning do to one layer, computed with AMCT's kernels on the real weights: the decisions, the
 * weight scales and quantization error, the sparsity asked for and obtained, kept filters, and sizes before and after.
 *
 * @param quantized       whether QAT quantizes the layer
 * @param weightAlgo      "arq" or "ulq" (weight ULQ starts from ARQ's factors on its first batch, as reported here)
 * @param weightBits      4, 8 or 16 (0 when not quantized)
 * @param channelWise     per output channel scales
 * @param scaleMin        smallest weight scale (NaN when not quantized)
 * @param scaleMax        largest weight scale
 * @param error           weight quantization error (empty when not quantized)
 * @param pruneKind       "filter", "2:4" or "" when not pruned
 * @param requestedSparsity the share of weights the config asks to remove (0 when not pruned)
 * @param realisedSparsity  the share actually removed by AMCT's rules (ascend_optimized rounding, padding)
 * @param twoFourCompliant  whether every group of 4 along Cin keeps at most 2 (empty unless 2:4)
 * @param keptFilters     output channels kept by filter pruning (empty unless filter)
 * @param filters         output channels before
 * @param paramsBefore    weight parameters before
 * @param paramsAfter     weight parameters after pruning
 * @param storedType      the weights' element type in the model file (F32, F16, BF16, F64)
 * @param bitsBefore      storage bits of the weights as stored (16 per BF16 weight)
 * @param bitsAfter       storage bits of the weights after quantization and pruning (a float weight left as stored)
 * @param macsPerPosition multiply-accumulates per output position (per token for Linear), before → after
 * @param notes           AMCT quirks and inferences worth knowing
 * @param artifacts       scales, removed filters and the packed 2:4 mask, for the record file
 */
public record LayerReport(String name, String type, boolean quantized, String weightAlgo, int weightBits, boolean channelWise,
                          double scaleMin, double scaleMax, Optional<WeightError> error, String pruneKind,
                          double requestedSparsity, double realisedSparsity, Optional<Boolean> twoFourCompliant,
                          OptionalInt keptFilters, int filters, long paramsBefore, long paramsAfter, String storedType,
                          long bitsBefore, long bitsAfter,
                          long macsPerPosition, long macsPerPositionAfter, List<String> notes,
                          LayerArtifacts artifacts) {

    public LayerReport {
        notes = List.copyOf(notes);
    }

    /** Storage bits per original weight after compression (the stored width when untouched). */
    public double effectiveBits() {
        return paramsBefore == 0 ? 0 : (double) bitsAfter / paramsBefore;
    }
}
