package io.amctkit.runtime.session;

import io.amctkit.dsl.resolve.Resolution;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.prune.FilterPruning;

/**
 * A session's outcome: the resolution, one report per layer, the activation calibration when it ran, AMCT's filter
 * pruning of the model (records, kept-whole reasons), the model totals (sizes, compression, worst layers), and the
 * record file when the session wrote it as it ran ({@link Session#run(io.amctkit.kernels.Kernels, Session.Progress, Path)};
 * perhaps still finishing: {@link StreamedRecord#await}).
 */
public record SessionResult(Path model, Resolution resolution, List<LayerReport> layers,
                            Optional<Calibration.Result> calibration, FilterPruning filterPruning,
                            Optional<StreamedRecord> streamedRecord) {

    public SessionResult {
        layers = List.copyOf(layers);
    }

    public SessionResult(Path model, Resolution resolution, List<LayerReport> layers,
                         Optional<Calibration.Result> calibration, FilterPruning filterPruning) {
        this(model, resolution, layers, calibration, filterPruning, Optional.empty());
    }

    /** The same result with activation calibration added. */
    public SessionResult withCalibration(Calibration.Result result) {
        return new SessionResult(model, resolution, layers, Optional.of(result), filterPruning, streamedRecord);
    }

    /** A layer's calibrated activations, if calibration ran and observed it. */
    public Optional<Calibration.LayerActivation> activation(String layer) {
        return calibration.map(c -> c.layers().get(layer));
    }

    public boolean accepted() {
        return resolution.isAccepted();
    }

    public long paramsBefore() {
        return layers.stream().mapToLong(LayerReport::paramsBefore).sum();
    }

    public long paramsAfter() {
        return layers.stream().mapToLong(LayerReport::paramsAfter).sum();
    }

    /** Storage of the layers' weights in bits, before (as stored in the model file) and after. */
    public long bitsBefore() {
        return layers.stream().mapToLong(LayerReport::bitsBefore).sum();
    }

    /** The element types the layers' weights are stored in, most weights first (e.g. "BF16"). */
    public List<String> storedTypes() {
        java.util.Map<String, Long> weights = new java.util.LinkedHashMap<>();
        layers.forEach(l -> weights.merge(l.storedType(), l.paramsBefore(), Long::sum));
        return weights.entrySet().stream().sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
                .map(java.util.Map.Entry::getKey).toList();
    }

    public long bitsAfter() {
        return layers.stream().mapToLong(LayerReport::bitsAfter).sum();
    }

    /** stored size / compressed size of the layers' weights. */
    public double compressionRatio() {
        return bitsAfter() == 0 ? 0 : (double) bitsBefore() / bitsAfter();
    }

    /** The quantized layers with the lowest weight SQNR first. */
    public List<LayerReport> worstLayers(int n) {
        return layers.stream().filter(l -> l.error().isPresent())
                .sorted(Comparator.comparingDouble(l -> l.error().get().sqnrDb())).limit(n).toList();
    }

    /** One row per layer, as a Tablesaw table. */
    public Table table() {
        StringColumn name = StringColumn.create("layer");
        StringColumn type = StringColumn.create("type");
        BooleanColumn quantized = BooleanColumn.create("quantized");
        StringColumn wts = StringColumn.create("weights");
        DoubleColumn scaleMin = DoubleColumn.create("scale_min");
        DoubleColumn scaleMax = DoubleColumn.create("scale_max");
        DoubleColumn sqnr = DoubleColumn.create("sqnr_db");
        DoubleColumn mse = DoubleColumn.create("mse");
        DoubleColumn maxErr = DoubleColumn.create("max_abs_err");
        DoubleColumn saturation = DoubleColumn.create("saturation_pct");
        StringColumn prune = StringColumn.create("prune");
        DoubleColumn requested = DoubleColumn.create("sparsity_requested");
        DoubleColumn realised = DoubleColumn.create("sparsity_realised");
        StringColumn twoFour = StringColumn.create("two_four_ok");
        StringColumn filters = StringColumn.create("kept_filters");
        LongColumn before = LongColumn.create("params_before");
        LongColumn after = LongColumn.create("params_after");
        DoubleColumn bits = DoubleColumn.create("bits_per_weight");
        LongColumn macs = LongColumn.create("macs_per_pos");
        LongColumn macsAfter = LongColumn.create("macs_per_pos_after");
        StringColumn actClip = StringColumn.create("act_clip");
        DoubleColumn actSqnr = DoubleColumn.create("act_sqnr_db");
        DoubleColumn actSaturation = DoubleColumn.create("act_saturation_pct");
        DoubleColumn deployMismatch = DoubleColumn.create("deploy_mismatch_pct");
        DoubleColumn onnxMismatch = DoubleColumn.create("fq_onnx_mismatch_pct");
        IntColumn notes = IntColumn.create("notes");
        for (LayerReport l : layers) {
            name.append(l.name());
            type.append(l.type());
            quantized.append(l.quantized());
            wts.append(l.quantized() ? l.weightAlgo() + " INT" + l.weightBits() + (l.channelWise() ? " per-channel" : " per-tensor") : "");
            scaleMin.append(round(l.scaleMin(), 6));
            scaleMax.append(round(l.scaleMax(), 6));
            sqnr.append(l.error().map(e -> round(e.sqnrDb(), 2)).orElse(Double.NaN));
            mse.append(l.error().map(e -> significant(e.mse(), 4)).orElse(Double.NaN));
            maxErr.append(l.error().map(e -> round(e.maxAbs(), 6)).orElse(Double.NaN));
            saturation.append(l.error().map(e -> round(100 * e.saturation(), 3)).orElse(Double.NaN));
            prune.append(l.pruneKind());
            requested.append(round(l.requestedSparsity(), 4));
            realised.append(round(l.realisedSparsity(), 4));
            twoFour.append(l.twoFourCompliant().map(String::valueOf).orElse(""));
            filters.append(l.keptFilters().isPresent() ? l.keptFilters().getAsInt() + "/" + l.filters() : "");
            before.append(l.paramsBefore());
            after.append(l.paramsAfter());
            bits.append(round(l.effectiveBits(), 3));
            macs.append(l.macsPerPosition());
            macsAfter.append(l.macsPerPositionAfter());
            Optional<Calibration.LayerActivation> act = activation(l.name());
            actClip.append(act.map(Calibration.LayerActivation::clipText).orElse(""));
            actSqnr.append(act.map(a -> round(a.sqnrDb(), 2)).orElse(Double.NaN));
            actSaturation.append(act.map(a -> round(100 * a.saturation(), 3)).orElse(Double.NaN));
            deployMismatch.append(act.map(a -> round(100 * a.deployMismatch(), 4)).orElse(Double.NaN));
            onnxMismatch.append(act.map(a -> round(100 * a.fakeQuantMismatch(), 4)).orElse(Double.NaN));
            notes.append(l.notes().size());
        }
        return Table.create("session: " + model.getFileName() + " (" + resolution.mode().label() + ")", name, type, quantized,
                wts, scaleMin, scaleMax, sqnr, mse, maxErr, saturation, prune, requested, realised, twoFour, filters, before, after,
                bits, macs, macsAfter, actClip, actSqnr, actSaturation, deployMismatch, onnxMismatch, notes);
    }

    /** The totals in a few lines. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        long quantized = layers.stream().filter(LayerReport::quantized).count();
        long pruned = layers.stream().filter(l -> l.pruneKind().equals("2:4")
                || (l.pruneKind().equals("filter") && l.keptFilters().orElse(l.filters()) < l.filters())).count();
        s.append(String.format("%d layers: %d quantized, %d pruned; weights %d -> %d parameters, %.2f MB -> %.2f MB"
                        + " (compression %.2fx%s)%n", layers.size(), quantized, pruned, paramsBefore(), paramsAfter(),
                bitsBefore() / 8e6, bitsAfter() / 8e6, compressionRatio(),
                storedTypes().equals(List.of("F32")) || layers.isEmpty() ? "" : " from the stored " + String.join("/", storedTypes())));
        java.util.Map<String, String> whole = filterPruning.keptWhole();
        if (!whole.isEmpty()) {
            long asked = layers.stream().filter(l -> l.pruneKind().equals("filter")).count();
            java.util.Map.Entry<String, String> first = layers.stream().filter(l -> whole.containsKey(l.name())).findFirst()
                    .map(l -> java.util.Map.entry(l.name(), whole.get(l.name()))).orElseThrow();
            s.append(String.format("filter pruning: %d of the %d layers the config prunes keep all their filters under AMCT's"
                    + " graph rules (first: %s: %s)%n", whole.size(), asked, first.getKey(), first.getValue()));
        }
        filterPruning.warnings().stream().filter(w -> layers.stream().noneMatch(l -> w.startsWith(l.name() + ":")))
                .forEach(w -> s.append("warning: ").append(w).append('\n'));
        calibration.ifPresent(c -> {
            List<Calibration.LayerActivation> acts = c.layers().values().stream()
                    .sorted(java.util.Comparator.comparingDouble(Calibration.LayerActivation::sqnrDb)).limit(3).toList();
            s.append(String.format("activations calibrated on %d samples (%d layers); lowest activation SQNR: ", c.samples(),
                    c.layers().size()));
            for (int i = 0; i < acts.size(); i++) {
                s.append(i == 0 ? "" : ", ").append(acts.get(i).layer()).append(String.format(" %.2f dB", acts.get(i).sqnrDb()));
            }
            s.append('\n');
            double deploy = c.layers().values().stream().mapToDouble(Calibration.LayerActivation::deployMismatch).max().orElse(0);
            double onnx = c.layers().values().stream().mapToDouble(Calibration.LayerActivation::fakeQuantMismatch).max().orElse(0);
            if (deploy > 0 || onnx > 0) {
                s.append(String.format(java.util.Locale.ROOT, "saved models vs training (AMCT quirk): up to %.2g%% of a layer's"
                        + " activations take another level in the deploy model (x*(1/scale_d)), up to %.2g%% in the fake-quant"
                        + " ONNX model (it rounds before adding the offset)%n", 100 * deploy, 100 * onnx));
            }
        });
        List<LayerReport> worst = worstLayers(3);
        if (!worst.isEmpty()) {
            s.append("lowest weight SQNR: ");
            for (int i = 0; i < worst.size(); i++) {
                s.append(i == 0 ? "" : ", ").append(worst.get(i).name())
                        .append(String.format(" %.2f dB", worst.get(i).error().get().sqnrDb()));
            }
            s.append('\n');
        }
        return s.toString();
    }

    private static double significant(double v, int digits) {
        return Double.isFinite(v) && v != 0 ? Double.parseDouble(String.format(java.util.Locale.ROOT, "%." + digits + "g", v)) : v;
    }

    private static double round(double v, int digits) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
