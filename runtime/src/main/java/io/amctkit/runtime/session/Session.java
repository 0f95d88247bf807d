package io.amctkit.runtime.session;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.proto.DataType;
import io.amctkit.dsl.resolve.Layer;
import io.amctkit.dsl.resolve.LayerPlan;
import io.amctkit.dsl.resolve.PrunePlan;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.dsl.resolve.Resolver;
import io.amctkit.kernels.ArqWeights;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.SelectiveMask;
import io.amctkit.kernels.WeightLayout;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.WeightBuffer;
import io.amctkit.runtime.prune.FilterPruning;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A config applied to a real model, as AMCT's QAT and pruning would apply it: resolution first, then AMCT's kernels on
 * each layer's weights, one layer at a time (one weight in memory), giving a {@link LayerReport} per layer.
 */
public final class Session {

    /** Told after each layer, for progress bars. */
    @FunctionalInterface
    public interface Progress {
        void layerDone(int done, int total, String layer);

        Progress NONE = (done, total, layer) -> { };
    }

    private final Model model;
    private final RetrainConfig config;
    private final Mode mode;

    private Session(Model model, RetrainConfig config, Mode mode) {
        this.model = model;
        this.config = config;
        this.mode = mode;
    }

    public static Session of(Model model, RetrainConfig config, Mode mode) {
        return new Session(model, config, mode);
    }

    /** Resolves and, if AMCT accepts the config, runs the kernels on every quantized or pruned layer. */
    public SessionResult run(Kernels kernels, Progress progress) {
        return run(kernels, progress, MaskSpool.MEMORY_BUDGET);
    }

    /**
     * {@link #run(Kernels, Progress)}, writing the record file to {@code record} as the layers are done when its record
     * has no quantization entries (2:4 and filter pruning alone; see {@link SessionResult#streamedRecord}); otherwise the
     * same as without it (the report writes the record afterwards). It returns when the layers are done: the record's
     * last text and its flush to disk may still be under way ({@link StreamedRecord#await}). Past a memory budget (64 MB
     * of packed words), the 2:4 masks of a streamed session are read back from its record file when asked for
     * ({@link PackedMask#recorded}), which must then stay where it was written.
     */
    public SessionResult run(Kernels kernels, Progress progress, java.nio.file.Path record) throws java.io.IOException {
        return run(kernels, progress, MaskSpool.MEMORY_BUDGET, Optional.of(record));
    }

    /**
     * {@link #run(Kernels, Progress, java.nio.file.Path)} keeping up to {@code maskMemory} bytes of packed 2:4 masks in
     * memory (then reading them back from the record when it is streamed).
     */
    SessionResult run(Kernels kernels, Progress progress, long maskMemory, java.nio.file.Path record) throws java.io.IOException {
        return run(kernels, progress, maskMemory, Optional.of(record));
    }

    /** {@link #run(Kernels, Progress)} keeping up to {@code maskMemory} bytes of packed 2:4 masks in memory (then spooling). */
    SessionResult run(Kernels kernels, Progress progress, long maskMemory) {
        try {
            return run(kernels, progress, maskMemory, Optional.empty());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);   // no record file: nothing is written
        }
    }

    private SessionResult run(Kernels kernels, Progress progress, long maskMemory, Optional<java.nio.file.Path> recordTo)
            throws java.io.IOException {
        List<Layer> layers = model.layers().stream().map(ModelLayer::toLayer).toList();
        Resolution resolution = Resolver.resolve(config, layers, mode);
        if (!resolution.isAccepted()) {
            return new SessionResult(model.source(), resolution, List.of(), Optional.empty(), FilterPruning.NONE);
        }
        FilterPruning pruning = FilterPruning.of(model, resolution, kernels);
        MaskSpool masks = new MaskSpool(maskMemory);
        List<LayerReport> reports = new ArrayList<>();
        long largest = model.layers().stream().filter(l -> resolution.plan(l.name()).map(Session::computes).orElse(false))
                .mapToLong(l -> l.weight().elements()).max().orElse(1);
        int done = 0;
        Optional<RecordStream> stream = recordTo.isPresent() ? RecordStream.open(recordTo.get(), resolution, pruning)
                : Optional.empty();
        try (WeightBuffer buffer = WeightBuffer.forElements(largest)) {
            for (ModelLayer layer : model.layers()) {
                LayerPlan plan = resolution.plan(layer.name()).orElse(null);
                reports.add(shrinkInputs(report(layer, plan, kernels, pruning, masks, buffer, stream), layer, pruning));
                progress.layerDone(++done, model.layers().size(), layer.name());
            }
            Optional<StreamedRecord> written = stream.isPresent() ? Optional.of(stream.get().end()) : Optional.empty();
            return new SessionResult(model.source(), resolution, reports, Optional.empty(), pruning, written);
        } finally {
            stream.ifPresent(RecordStream::close);
        }
    }

    /** Whether a plan runs a kernel on its layer's weight (quantization or pruning enabled). */
    private static boolean computes(LayerPlan plan) {
        return plan.quant().filter(QuantPlan::enabled).isPresent() || plan.prune().filter(PrunePlan::enabled).isPresent();
    }

    private LayerReport report(ModelLayer layer, LayerPlan plan, Kernels kernels, FilterPruning pruning, MaskSpool masks,
                               WeightBuffer buffer, Optional<RecordStream> record) throws java.io.IOException {
        Optional<QuantPlan> q = plan == null ? Optional.empty() : plan.quant().filter(QuantPlan::enabled);
        Optional<PrunePlan> p = plan == null ? Optional.empty() : plan.prune().filter(PrunePlan::enabled);
        long params = layer.weight().elements();
        String stored = layer.weight().dtype().name();
        int storedBits = 8 * layer.weight().dtype().bytes();
        long macs = macsPerPosition(layer);
        int filters = layer.outChannels().orElse((int) layer.weightShape()[0]);
        List<String> notes = new ArrayList<>(plan == null ? List.of() : plan.quirks());
        if (q.isEmpty() && p.isEmpty()) {
            return new LayerReport(layer.name(), layer.type(), false, "", 0, false, Double.NaN, Double.NaN, Optional.empty(),
                    "", 0, 0, Optional.empty(), OptionalInt.empty(), filters, params, params, stored, storedBits * params,
                    storedBits * params, macs, macs, notes,
                    LayerArtifacts.NONE);
        }
        INDArray w = weightRows(layer, buffer);
        try {
            String algo = "";
            int bits = 0;
            boolean channelWise = false;
            double scaleMin = Double.NaN;
            double scaleMax = Double.NaN;
            Optional<WeightError> error = Optional.empty();
            float[] weightScales = new float[0];
            Optional<LayerArtifacts.ActivationFactors> activation = Optional.empty();
            int[] prunedFilters = new int[0];
            PackedMask packedMask = PackedMask.NONE;
            if (q.isPresent()) {
                QuantPlan plan0 = q.get();
                algo = plan0.weightAlgo().equals("arq_retrain") ? "arq" : "ulq";
                bits = plan0.weightBits();
                channelWise = plan0.channelWise();
                WeightLayout layout = layer.weight().rank() == 3 && isRecurrent(layer) ? WeightLayout.COUT_FIRST
                        : WeightLayout.of(layer.type(), layer.groups().orElse(1));
                ArqWeights.Summary r = kernels.arqSummary(w, layout, bits, channelWise);
                float[] scales = r.factors().scale();
                weightScales = scales;
                activation = activationFactors(plan0, layer);
                scaleMin = Double.POSITIVE_INFINITY;
                scaleMax = Double.NEGATIVE_INFINITY;
                for (float s : scales) {
                    scaleMin = Math.min(scaleMin, s);
                    scaleMax = Math.max(scaleMax, s);
                }
                error = Optional.of(WeightError.of(r.error()));
                if (algo.equals("ulq")) {
                    notes.add("weight ULQ starts from ARQ's factors on its first batch and learns the scale afterwards:"
                            + " these are the initial figures");
                }
                if (plan0.int4Downgraded()) {
                    notes.add("INT4 weights downgraded to INT8 by AMCT (not nibble-packable)");
                }
            }
            String pruneKind = "";
            double requested = 0;
            double realised = 0;
            Optional<Boolean> compliant = Optional.empty();
            OptionalInt kept = OptionalInt.empty();
            long paramsAfter = params;
            long macsAfter = macs;
            if (p.isPresent()) {
                PrunePlan plan0 = p.get();
                if (plan0.isFilter()) {
                    pruneKind = "filter";
                    requested = plan0.pruneRatio().orElse(0f);
                    int[] gone = pruning.prunedOutputs(layer.name());
                    int keptCount = filters - gone.length;
                    prunedFilters = gone;
                    kept = OptionalInt.of(keptCount);
                    realised = (double) gone.length / filters;
                    paramsAfter = Math.round(params * (double) keptCount / filters);
                    macsAfter = Math.round(macs * (double) keptCount / filters);
                    String why = pruning.keptWhole().get(layer.name());
                    if (why != null) {
                        notes.add("keeps its filters: " + why);
                    }
                    pruning.warnings().stream().filter(n -> n.startsWith(layer.name() + ":")).forEach(notes::add);
                } else {
                    pruneKind = "2:4";
                    requested = 0.5;
                    int axis = SelectiveMask.cinAxis(layer.type());
                    SelectiveMask.Packed mask = kernels.selectiveMaskPacked(w, axis);
                    long zeros = mask.elements() - mask.kept();
                    realised = (double) zeros / mask.elements();
                    compliant = Optional.of(mask.compliant());
                    java.nio.LongBuffer words = mask.wordBuffer();   // no copy: the mask is this session's alone
                    Optional<PackedMask> recorded = record.isPresent()
                            ? Optional.of(record.get().add(layer.name(), w.shape(), words)) : Optional.empty();
                    packedMask = masks.keep(words, w.shape(), recorded);
                    paramsAfter = params - zeros;
                    macsAfter = Math.round(macs * (1 - realised));
                }
            }
            long bitsAfter = q.isPresent() ? paramsAfter * bits : storedBits * paramsAfter;
            if (pruneKind.equals("2:4")) {
                bitsAfter += 2 * paramsAfter;   // a 2-bit position index per kept weight of each group of 4
            }
            return new LayerReport(layer.name(), layer.type(), q.isPresent(), algo, bits, channelWise, scaleMin, scaleMax,
                    error, pruneKind, requested, realised, compliant, kept, filters, params, paramsAfter, stored,
                    storedBits * params, bitsAfter, macs,
                    macsAfter, notes, new LayerArtifacts(weightScales, activation, prunedFilters, packedMask));
        } finally {
            if (!buffer.holds(w)) {
                w.close();
            }
        }
    }

    /**
     * The layer input's scale_d/offset_d when the plan has a clip range: AMCT's ULQ factors (asymmetric), with clip_min
     * zeroed under fixed_min (configured, or AMCT's default: the input comes from a ReLU). Empty under IFMR (calibration).
     */
    private static Optional<LayerArtifacts.ActivationFactors> activationFactors(QuantPlan plan, ModelLayer layer) {
        if (plan.ifmrInit()) {
            return Optional.empty();
        }
        boolean fixedMin = plan.fixedMin().orElse(layer.reluInput().orElse(false));
        int bits = plan.activationBits();
        io.amctkit.kernels.ScaleOffset f = io.amctkit.kernels.UlqActivation.factors(
                io.amctkit.kernels.ClipState.of(plan.clipMax().get(), plan.clipMin().get()), bits, fixedMin);
        return Optional.of(new LayerArtifacts.ActivationFactors(f.scale(0), f.offset(0), bits));
    }

    /** The weight in PyTorch's layout (BF16 as stored); an RNN's [directions, gates·hidden, in] as rows of [directions·gates·hidden, in]. */
    private INDArray weightRows(ModelLayer layer, WeightBuffer buffer) {
        INDArray w = model.storedWeight(layer, buffer);
        if (isRecurrent(layer) && w.rank() == 3) {
            return w.reshape('c', w.size(0) * w.size(1), w.size(2));
        }
        return w;
    }

    private static boolean isRecurrent(ModelLayer layer) {
        return layer.type().equals("LSTM") || layer.type().equals("GRU");
    }


    /** Multiply-accumulates per output position: Conv (in/groups)·k·out, Linear in·out, RNN gates·hidden·(in + hidden). */
    static long macsPerPosition(ModelLayer layer) {
        if (isRecurrent(layer)) {
            int gates = layer.type().equals("LSTM") ? 4 : 3;
            long h = layer.hiddenSize().orElse(0);
            return gates * h * (layer.inputSize().orElse(0) + h);
        }
        return layer.weight().elements();
    }

    /** A consumer of pruned channels loses those input channels (AMCT's records): its sizes shrink by the kept share. */
    private static LayerReport shrinkInputs(LayerReport r, ModelLayer layer, FilterPruning pruning) {
        int lost = pruning.prunedInputs(layer.name()).length;
        int in = layer.inChannels().orElse(0);
        if (lost == 0 || in <= 0) {
            return r;
        }
        double share = (double) (in - lost) / in;
        List<String> producers = pruning.records().stream()
                .filter(rec -> rec.consumers().stream().anyMatch(c -> c.name().equals(layer.name())))
                .flatMap(rec -> rec.producerNames().stream()).distinct().toList();
        List<String> notes = new ArrayList<>(r.notes());
        notes.add("loses " + lost + " of " + in + " input channels with the filters of " + String.join(", ", producers));
        return new LayerReport(r.name(), r.type(), r.quantized(), r.weightAlgo(), r.weightBits(), r.channelWise(),
                r.scaleMin(), r.scaleMax(), r.error(), r.pruneKind(), r.requestedSparsity(), r.realisedSparsity(),
                r.twoFourCompliant(), r.keptFilters(), r.filters(), r.paramsBefore(), Math.round(r.paramsAfter() * share),
                r.storedType(), r.bitsBefore(), Math.round(r.bitsAfter() * share), r.macsPerPosition(), Math.round(r.macsPerPositionAfter() * share), notes,
                r.artifacts());
    }
}
