package io.amctkit.runtime.retrain;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.dsl.resolve.LayerPlan;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.ScaleOffset;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.runtime.calibration.Calibration;
import io.amctkit.runtime.calibration.SampleSource;
import io.amctkit.runtime.export.Exports;
import io.amctkit.runtime.export.OnnxEdits;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.onnx.OnnxModel;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.prune.FilterPruneRecord;
import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SelectiveMaskPacking;
import io.amctkit.runtime.session.Session;
import io.amctkit.runtime.session.SessionResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Quantization-aware retraining of an ONNX model with AMCT's own quantizers, layer by layer on unlabeled samples. In
 * prune and compressed modes the consumers of pruned channels are first refitted ({@link ConsumerRefit}); then each
 * quantized Linear and Conv1d/2d, in model order, is retrained ({@link LayerTrainer}) on its inputs as the model
 * quantized so far computes them (earlier layers already retrained and fake-quantized, through amctkit's own
 * fake-quant export) against the float model's outputs of that layer. Other layers stay as calibrated, with why.
 */
public final class Retrainer {

    /** Layers retrain on at most this many rows (a convolution's output positions), drawn at random. */
    static final int MAX_ROWS = 131_072;

    /**
     * Samples to retrain on (and how many), steps per layer, rows per step, learning rate, ONNX Runtime threads, seed.
     */
    public record Options(SampleSource source, int samples, int steps, int batch, double learningRate, int threads, long seed) {

        public Options {
            if (samples < 1 || steps < 1 || batch < 1 || !(learningRate > 0) || threads < 1) {
                throw new IllegalArgumentException("samples, steps, batch, learning rate and threads must be positive");
            }
        }

        /** 250 steps of 128 rows per phase, learning rate 3e-3. */
        public static Options defaults(SampleSource source, int samples, int threads, long seed) {
            return new Options(source, samples, 250, 128, 3e-3, threads, seed);
        }
    }

    /** Told after each layer. */
    @FunctionalInterface
    public interface Progress {
        void layerDone(int done, int total, RetrainedLayer layer);

        Progress NONE = (done, total, layer) -> { };
    }

    private final OnnxModel model;
    private final SessionResult calibrated;
    private final Kernels kernels;
    private final Options options;
    private final Mode mode;
    private final RetrainConfig config;

    private Retrainer(OnnxModel model, SessionResult calibrated, Kernels kernels, Options options) {
        this.model = model;
        this.calibrated = calibrated;
        this.kernels = kernels;
        this.options = options;
        this.mode = calibrated.resolution().mode();
        this.config = calibrated.resolution().config();
    }

    /**
     * Retrains {@code model} from the calibrated session of its config (the clips IFMR or the config gave are the start).
     */
    public static RetrainResult retrain(OnnxModel model, SessionResult calibrated, Kernels kernels, Options options, Progress progress) {
        if (!calibrated.accepted()) {
            throw new IllegalArgumentException("AMCT rejects the config: there is nothing to retrain");
        }
        return new Retrainer(model, calibrated, kernels, options).run(progress);
    }

    private RetrainResult run(Progress progress) {
        long start = System.nanoTime();
        List<RetrainedLayer> done = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        ModelProto current = model.proto();
        boolean prunes = mode != Mode.QUANT && calibrated.filterPruning().records().stream().anyMatch(FilterPruneRecord::prunes);
        if (prunes) {
            current = refitConsumers(done, notes);
        }
        Map<String, Integer> nodeOf = nodeIndices();
        List<ModelLayer> quantized = model.layers().stream().filter(l -> quantPlan(l.name()).isPresent()).toList();
        Map<String, RetrainedConfig.Clip> clips = new LinkedHashMap<>();
        List<ModelLayer> trainable = new ArrayList<>();
        Map<String, TensorProto> constants = OnnxEdits.constants(model.proto().getGraph());
        for (ModelLayer l : quantized) {
            Optional<RetrainedConfig.Clip> clip = initialClip(l);
            Integer index = nodeOf.get(l.name());
            Optional<String> why = index == null ? Optional.of("its node is not in the top-level graph")
                    : clip.isEmpty() ? Optional.of("its input is not observable, so it has no calibrated clip range")
                    : LayerRows.unsupported(model.proto().getGraph().getNode(index), constants);
            if (why.isPresent()) {
                done.add(RetrainedLayer.kept(l.name(), l.type(), why.get()));
            } else {
                clips.put(l.name(), clip.get());
                trainable.add(l);
            }
        }
        int total = done.size() + trainable.size();
        for (int i = 0; i < done.size(); i++) {   // the refitted and the kept layers, then each as it is retrained
            progress.layerDone(i + 1, total, done.get(i));
        }
        Map<String, Bias> biases = new HashMap<>();
        trainable.forEach(l -> biases.put(l.name(), bias(model.proto().getGraph(), nodeOf.get(l.name()), constants)));
        FloatTargets floatTargets = new FloatTargets(trainable.stream().map(l -> biases.get(l.name()).target())
                .collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new)));
        Map<String, RetrainedConfig.Clip> learned = new LinkedHashMap<>();
        for (List<ModelLayer> group : groups(trainable, nodeOf)) {
            OnnxModel state = model.derived(current);
            SessionResult s = Session.of(state, config, mode).run(kernels, Session.Progress.NONE);
            s = s.withCalibration(calibration(s, clips));
            ModelProto fakeQuant = Exports.of(state, s).fakeQuantModel().orElseThrow(
                    () -> new IllegalStateException("no fake-quant model to capture layer inputs from"));
            NodeProto first = model.proto().getGraph().getNode(nodeOf.get(group.get(0).name()));
            Set<String> targets = new LinkedHashSet<>();
            group.forEach(l -> targets.add(biases.get(l.name()).target()));
            Captures.Capture xs = Captures.of(fakeQuant, Set.of(first.getInput(0)), options.source(), options.samples(),
                    options.threads()).get(first.getInput(0));
            Map<String, Captures.Capture> ys = floatTargets.forGroup(targets);
            Map<String, TensorProto> replaced = new LinkedHashMap<>();
            Map<String, TensorProto> now = OnnxEdits.constants(current.getGraph());
            for (ModelLayer l : group) {
                NodeProto node = current.getGraph().getNode(nodeOf.get(l.name()));
                RetrainedLayer r = train(l, node, now, xs, ys.get(biases.get(l.name()).target()), biases.get(l.name()), clips.get(l.name()),
                        s, replaced, learned);
                done.add(r);
                progress.layerDone(done.size(), total, r);
            }
            GraphProto g = current.getGraph();
            current = current.toBuilder().setGraph(OnnxEdits.rebuild(g, g.getNodeList(), replaced, List.of())).build();
            learned.forEach(clips::put);
        }
        OnnxModel retrained = model.derived(current);
        RetrainConfig cfg = learned.isEmpty() ? config : RetrainedConfig.of(config,
                model.layers().stream().map(ModelLayer::toLayer).toList(), mode, learned);
        SessionResult after = Session.of(retrained, cfg, mode).run(kernels, Session.Progress.NONE);
        if (after.layers().stream().anyMatch(LayerReport::quantized)) {
            after = after.withCalibration(Calibration.run(retrained, after.resolution(), options.source(), options.samples(), kernels));
        }
        if (prunes && !samePruning(calibrated, after)) {
            notes.add("AMCT's filter selection on the retrained weights differs from the original's: the retrained model prunes"
                    + " other filters than the calibrated one");
        }
        return new RetrainResult(retrained, cfg, after, done, notes, (System.nanoTime() - start) / 1e9);
    }

    /** Prune and compressed modes: the consumers of pruned channels refitted, written back in the model's own shape. */
    private ModelProto refitConsumers(List<RetrainedLayer> done, List<String> notes) {
        Optional<ModelProto> pruned = Exports.of(model, calibrated).prunedModel();
        if (pruned.isEmpty()) {
            notes.add("no pruned model can be written (see the report's notes), so the consumers of pruned channels are not refitted");
            return model.proto();
        }
        ConsumerRefit.Result r = ConsumerRefit.refit(model.proto(), pruned.get(), calibrated.filterPruning(), options.source(),
                options.samples(), 1e-3, options.threads());
        r.skipped().forEach(s -> notes.add("refit: " + s));
        Map<String, String> typeOf = new HashMap<>();
        model.layers().forEach(l -> typeOf.put(l.name(), l.type()));
        Set<String> skipped = new java.util.HashSet<>();
        r.skipped().forEach(s -> skipped.add(s.substring(0, s.indexOf(':'))));
        for (Map.Entry<String, double[]> e : r.errors().entrySet()) {
            if (!skipped.contains(e.getKey())) {
                done.add(RetrainedLayer.refitted(e.getKey(), typeOf.getOrDefault(e.getKey(), ""), e.getValue()[0], e.getValue()[1]));
            }
        }
        return PrunedWeights.scatter(model.proto(), r.model(), calibrated.filterPruning(), r.errors().keySet().stream()
                .filter(n -> !skipped.contains(n)).toList());
    }

    /** One layer retrained; its new weight and bias go into {@code replaced}, its clips into {@code learned}. */
    private RetrainedLayer train(ModelLayer l, NodeProto node, Map<String, TensorProto> constants, Captures.Capture xs,
                                 Captures.Capture ys, Bias bias, RetrainedConfig.Clip clip, SessionResult state,
                                 Map<String, TensorProto> replaced, Map<String, RetrainedConfig.Clip> learned) {
        QuantPlan q = quantPlan(l.name()).orElseThrow();
        TensorProto w = constants.get(node.getInput(1));
        LayerRows geo = LayerRows.of(node, w, xs.shape());
        float[] x = geo.inputRows(xs.values());
        float[] y = geo.outputRows(ys.values(), geo.out());
        int n = y.length / geo.out();
        if (x.length / geo.k() != n) {
            return RetrainedLayer.kept(l.name(), l.type(), "its captured inputs and outputs do not pair up as rows");
        }
        if (n > MAX_ROWS) {
            int[] pick = new Random(options.seed()).ints(0, n).distinct().limit(MAX_ROWS).sorted().toArray();
            x = rows(x, geo.k(), pick);
            y = rows(y, geo.out(), pick);
            n = MAX_ROWS;
        }
        float[] weight = geo.weightRows(OnnxEdits.floatValues(w));
        boolean hasBias = bias.tensor() != null;
        float[] b = hasBias ? OnnxEdits.floatValues(constants.get(bias.tensor())) : new float[geo.out()];
        boolean fixedMin = q.fixedMin().orElse(l.reluInput().orElse(false));
        LayerTrainer.Spec spec = new LayerTrainer.Spec(q.activationBits(), q.weightBits(), q.channelWise(), fixedMin,
                hasBias, keep(l, state, geo, node));
        long t0 = System.nanoTime();
        LayerTrainer.Outcome o = LayerTrainer.train(kernels, spec, new LayerTrainer.Budget(options.steps(), options.batch(),
                options.learningRate(), options.seed()), x, y, n, geo.k(), geo.out(), weight, b, clip.max(), clip.min());
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!o.improved()) {
            return RetrainedLayer.notImproved(l.name(), l.type(), o.lossBefore(), clip, o.curve(), seconds);
        }
        float[] trained = spec.keep() == null ? o.weight() : heldApart(o.weight(), spec.keep(), geo.out(), q.channelWise(), q.weightBits());
        replaced.put(node.getInput(1), OnnxEdits.floats(node.getInput(1), geo.stored(trained), dims(w)));
        if (hasBias) {
            replaced.put(bias.tensor(), OnnxEdits.floats(bias.tensor(), o.bias(), dims(constants.get(bias.tensor()))));
        }
        RetrainedConfig.Clip after = new RetrainedConfig.Clip(o.clipMax(), o.clipMin());
        learned.put(l.name(), after);
        String note = q.weightAlgo().equals("arq_retrain") ? "" : "weight ULQ: rounding learned on ARQ's grid, weight ULQ's start";
        return RetrainedLayer.retrained(l.name(), l.type(), o.lossBefore(), o.lossAfter(), clip, after, o.curve(), seconds, note);
    }

    /**
     * Which weights may be non-zero in compressed training: the 2:4 mask, the filters pruning removes and the input
     * channels it cuts are held at 0. Null when nothing is held.
     */
    private boolean[] keep(ModelLayer l, SessionResult state, LayerRows geo, NodeProto node) {
        LayerReport report = state.layers().stream().filter(r -> r.name().equals(l.name())).findFirst().orElse(null);
        int[] cut = state.filterPruning().prunedInputs(l.name());
        boolean masked = report != null && report.pruneKind().equals("2:4");
        int[] gone = report != null && report.pruneKind().equals("filter") ? report.artifacts().prunedFilters() : new int[0];
        if (!masked && gone.length == 0 && cut.length == 0) {
            return null;
        }
        int k = geo.k();
        boolean[] keep = new boolean[geo.out() * k];
        java.util.Arrays.fill(keep, true);
        if (masked) {
            float[] mask = SelectiveMaskPacking.unpack(report.artifacts().selectiveMask(), keep.length);   // PyTorch layout = rows
            for (int i = 0; i < keep.length; i++) {
                keep[i] = mask[i] != 0f;
            }
        }
        for (int o : gone) {
            java.util.Arrays.fill(keep, o * k, (o + 1) * k, false);
        }
        int inChannels = l.inChannels().orElse(k);
        int per = geo.columnsPerChannel(inChannels);
        for (int c : cut) {
            for (int o = 0; o < geo.out(); o++) {
                java.util.Arrays.fill(keep, o * k + c * per, o * k + (c + 1) * per, false);
            }
        }
        return keep;
    }

    /** Bytes of float targets held at once: more are captured group by group instead of in one pass. */
    static final long TARGET_BUDGET = 1L << 30;

    /**
     * The float model's outputs of the layers to retrain: all captured in one pass when they fit {@link #TARGET_BUDGET}
     * (measured on one sample), else each group's when it comes.
     */
    private final class FloatTargets {
        private final Map<String, Captures.Capture> all;

        FloatTargets(Set<String> tensors) {
            long perSample = 0;
            if (!tensors.isEmpty()) {
                for (Captures.Capture c : Captures.of(model.proto(), tensors, options.source(), 1, options.threads()).values()) {
                    perSample += 4L * c.values().stream().mapToLong(v -> v.length).sum();
                }
            }
            all = !tensors.isEmpty() && perSample * options.samples() <= TARGET_BUDGET
                    ? new HashMap<>(Captures.of(model.proto(), tensors, options.source(), options.samples(), options.threads())) : null;
        }

        Map<String, Captures.Capture> forGroup(Set<String> targets) {
            if (all == null) {
                return Captures.of(model.proto(), targets, options.source(), options.samples(), options.threads());
            }
            Map<String, Captures.Capture> out = new HashMap<>();
            targets.forEach(t -> out.put(t, all.remove(t)));   // each group's targets are used once: let them go
            return out;
        }
    }

    /**
     * A kept weight that rounds to level 0 is stored as a positive sliver (1/1024 of a level)
     * instead of 0, so that AMCT's 2:4 selection on the retrained weights finds the same mask: among
     * exact zeros the choice would be a tie. ARQ still maps it to 0, so the quantized model is unchanged.
     */
    private static float[] heldApart(float[] w, boolean[] keep, int out, boolean channelWise, int bits) {
        float[] v = w.clone();
        int k = w.length / out;
        float levels = (1 << (bits - 1)) - 1;
        float global = 0;
        for (float x : w) {
            global = Math.max(global, Math.abs(x));
        }
        for (int o = 0; o < out; o++) {
            float max = 0;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, Math.abs(w[o * k + j]));
            }
            float sliver = (channelWise ? max : global) / levels / 1024f;
            for (int j = 0; j < k; j++) {
                int i = o * k + j;
                if (keep[i] && v[i] == 0f && sliver > 0f) {
                    v[i] = sliver;
                }
            }
        }
        return v;
    }

    /** Where a layer's bias lives and which tensor holds its float output with the bias added. */
    record Bias(String tensor, String target) {
    }

    /** Conv and Gemm: their third input. MatMul: the constant of the Add that alone consumes its output (a Linear's bias). */
    private static Bias bias(GraphProto g, int index, Map<String, TensorProto> constants) {
        NodeProto node = g.getNode(index);
        if (!node.getOpType().equals("MatMul")) {
            boolean has = node.getInputCount() > 2 && constants.containsKey(node.getInput(2));
            return new Bias(has ? node.getInput(2) : null, node.getOutput(0));
        }
        String out = node.getOutput(0);
        List<NodeProto> users = g.getNodeList().stream().filter(n -> n.getInputList().contains(out)).toList();
        boolean outputOfGraph = g.getOutputList().stream().anyMatch(v -> v.getName().equals(out));
        if (users.size() == 1 && !outputOfGraph && users.get(0).getOpType().equals("Add") && users.get(0).getInputCount() == 2) {
            NodeProto add = users.get(0);
            String other = add.getInput(0).equals(out) ? add.getInput(1) : add.getInput(0);
            TensorProto t = constants.get(other);
            long outDim = constants.get(node.getInput(1)).getDims(1);
            if (t != null && t.getDimsCount() == 1 && t.getDims(0) == outDim) {
                return new Bias(other, add.getOutput(0));
            }
        }
        return new Bias(null, out);
    }

    /** Consecutive layers that read the same tensor (a transformer's query, key and value) share one capture. */
    private List<List<ModelLayer>> groups(List<ModelLayer> layers, Map<String, Integer> nodeOf) {
        List<List<ModelLayer>> out = new ArrayList<>();
        String last = null;
        for (ModelLayer l : layers) {
            String input = model.proto().getGraph().getNode(nodeOf.get(l.name())).getInput(0);
            if (input.equals(last)) {
                out.get(out.size() - 1).add(l);
            } else {
                out.add(new ArrayList<>(List.of(l)));
            }
            last = input;
        }
        return out;
    }

    private Map<String, Integer> nodeIndices() {
        Map<String, Integer> out = new HashMap<>();
        GraphProto g = model.proto().getGraph();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto node = g.getNode(i);
            if (node.getOutputCount() > 0) {
                int index = i;
                model.layerProducing(node.getOutput(0)).ifPresent(l -> out.put(l.name(), index));
            }
        }
        return out;
    }

    private Optional<QuantPlan> quantPlan(String layer) {
        return calibrated.resolution().plan(layer).flatMap(LayerPlan::quant).filter(QuantPlan::enabled);
    }

    /** The calibrated clip range (IFMR's or the config's) a layer starts from. */
    private Optional<RetrainedConfig.Clip> initialClip(ModelLayer l) {
        Optional<Calibration.LayerActivation> a = calibrated.activation(l.name());
        if (a.isPresent()) {
            return Optional.of(new RetrainedConfig.Clip(a.get().clipMax(), a.get().clipMin()));
        }
        QuantPlan q = quantPlan(l.name()).orElseThrow();
        return q.clipMax().isPresent() && q.clipMin().isPresent()
                ? Optional.of(new RetrainedConfig.Clip(q.clipMax().get(), q.clipMin().get())) : Optional.empty();
    }

    /** The clips as a calibration result, so that the fake-quant export quantizes each layer's input with them. */
    private Calibration.Result calibration(SessionResult s, Map<String, RetrainedConfig.Clip> clips) {
        Map<String, Calibration.LayerActivation> layers = new LinkedHashMap<>();
        clips.forEach((name, c) -> {
            QuantPlan q = quantPlan(name).orElseThrow();
            int bits = q.activationBits();
            boolean fixedMin = q.fixedMin().orElse(model.layer(name).flatMap(ModelLayer::reluInput).orElse(false));
            ScaleOffset f = UlqActivation.factors(ClipState.of(c.max(), c.min()), bits, fixedMin);
            layers.put(name, new Calibration.LayerActivation(name, c.max(), c.min(), f.scale(0), f.offset(0), bits, false, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN));
        });
        return new Calibration.Result(layers, options.samples(), List.of());
    }

    private static boolean samePruning(SessionResult a, SessionResult b) {
        Map<String, String> x = new HashMap<>();
        Map<String, String> y = new HashMap<>();
        a.layers().forEach(r -> x.put(r.name(), java.util.Arrays.toString(r.artifacts().prunedFilters())));
        b.layers().forEach(r -> y.put(r.name(), java.util.Arrays.toString(r.artifacts().prunedFilters())));
        return x.equals(y);
    }

    private static float[] rows(float[] v, int width, int[] pick) {
        float[] out = new float[pick.length * width];
        for (int i = 0; i < pick.length; i++) {
            System.arraycopy(v, pick[i] * width, out, i * width, width);
        }
        return out;
    }

    private static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }
}
