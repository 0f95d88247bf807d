package io.amctkit.kernels.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amctkit.kernels.ArqWeights;
import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.FakeQuant;
import io.amctkit.kernels.FilterPruner;
import io.amctkit.kernels.Ifmr;
import io.amctkit.kernels.IfmrCalibrator;
import io.amctkit.kernels.KernelException;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.Parallel;
import io.amctkit.kernels.PruneCount;
import io.amctkit.kernels.ScaleOffset;
import io.amctkit.kernels.SelectiveMask;
import io.amctkit.kernels.Tensors;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.kernels.WeightLayout;
import io.amctkit.kernels.WeightUlq;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Replays AMCT's kernel reference vectors ({@code kernels/*.json}) through a backend's {@link Kernels}: each case
 * checks integers and masks exactly, float32 values bit for bit, and sums within the reduction-order tolerance the
 * reference documents (1e-6·Σ|term| for the ULQ clip and weight-ULQ scale gradients, 1e-6 relative for IFMR losses).
 * Used by the contract test suite and by {@code amctkit reference check}.
 */
public final class KernelVectors {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One reference case: its file, a readable name, and the check (null on success, else what differs). */
    public record VectorCase(String file, String name, Function<Kernels, String> check) {
        @Override
        public String toString() {
            return file + " " + name;
        }
    }

    private KernelVectors() {
    }

    /** Every case of one kernel vector file (by its AMCT file name). */
    public static List<VectorCase> cases(Path file) throws IOException {
        JsonNode ref = JSON.readTree(file.toFile());
        String name = file.getFileName().toString();
        List<VectorCase> out = new ArrayList<>();
        switch (name) {
            case "calculate_scale_offset.json" -> scaleOffset(name, ref, out);
            case "arq_retrain.json" -> arq(name, ref, out);
            case "ulq_retrain.json" -> ulq(name, ref, out);
            case "ulq_scale_retrain.json" -> weightUlq(name, ref, out);
            case "ifmr.json" -> ifmr(name, ref, out);
            case "selective_mask_gen.json" -> selective(name, ref, out);
            case "filter_prune_bcp.json" -> bcp(name, ref, out);
            default -> out.add(new VectorCase(name, "(file)", k -> "no amctkit kernel replays " + name));
        }
        return out;
    }

    /** Runs one case, turning an unexpected exception into its failure text. */
    public static Optional<String> run(VectorCase c, Kernels kernels) {
        try {
            return Optional.ofNullable(c.check().apply(kernels));
        } catch (RuntimeException e) {
            return Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        if (array != null) {
            array.forEach(out::add);
        }
        return out;
    }

    private static int bits(String dataType) {
        return Integer.parseInt(dataType.replace("INT", ""));
    }

    // ---- calculate_scale_offset.json ----------------------------------------------------------------------

    private static void scaleOffset(String file, JsonNode ref, List<VectorCase> out) {
        for (JsonNode c : list(ref.get("cases"))) {
            out.add(new VectorCase(file, "cases/" + c.get("name").asText(), k -> {
                ScaleOffset f = ScaleOffset.calculate(Vectors.floats(c.get("data_max")), Vectors.floats(c.get("data_min")),
                        c.get("asymmetric").asBoolean(), bits(c.get("data_type").asText()));
                return Vectors.first(Vectors.bits(Vectors.floats(c.get("scale")), f.scale(), "scale"),
                        Vectors.ints(Vectors.ints(c.get("offset")), f.offset(), "offset"));
            }));
        }
        List<JsonNode> fq = list(ref.get("fake_quant_cases"));
        for (int i = 0; i < fq.size(); i++) {
            JsonNode c = fq.get(i);
            out.add(new VectorCase(file, "fake_quant_cases/" + i, k -> {
                ScaleOffset f = new ScaleOffset(Vectors.floats(c.get("scale")), Vectors.ints(c.get("offset")));
                float[] x = Vectors.floats(c.get("data"));
                int b = bits(c.get("data_type").asText());
                return Vectors.first(c.has("quantized_int") ? Vectors.bits(Vectors.floats(c.get("quantized_int")), FakeQuant.levels(x, f, b), "levels") : null,
                        Vectors.bits(Vectors.floats(c.get("dequantized")), FakeQuant.apply(x, f, b), "dequantized"));
            }));
        }
        List<JsonNode> ps = list(ref.get("process_scale_cases"));
        for (int i = 0; i < ps.size(); i++) {
            JsonNode c = ps.get(i);
            out.add(new VectorCase(file, "process_scale_cases/" + i, k -> {
                float[][] so = ScaleOffset.processScale(Vectors.floats(c.get("scale_in")), Vectors.floats(c.get("offset_in")),
                        c.get("with_offset").asBoolean(), c.get("numbit").asInt());
                float[] s = so[0];
                float[] o = so[1];
                return Vectors.first(Vectors.bits(Vectors.floats(c.get("scale_out")), s, "scale"),
                        Vectors.bits(Vectors.floats(c.get("offset_out")), o, "offset"));
            }));
        }
    }

    // ---- arq_retrain.json ---------------------------------------------------------------------------------

    private static void arq(String file, JsonNode ref, List<VectorCase> out) {
        List<JsonNode> cases = list(ref.get("cases"));
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            String name = "cases/" + i + " " + c.get("input").asText() + " bits=" + c.get("num_bits") + " channel_wise="
                    + c.get("channel_wise") + " with_offset=" + c.get("with_offset");
            out.add(new VectorCase(file, name, k -> {
                INDArray w = Vectors.tensor(ref.get("inputs").get(c.get("input").asText()));
                int b = c.get("num_bits").asInt();
                boolean cw = c.get("channel_wise").asBoolean();
                // the pipeline never uses an offset; that variant is only the CPU kernel's
                ArqWeights.Result r = c.get("with_offset").asBoolean()
                        ? ArqWeights.forward(w, WeightLayout.COUT_FIRST, b, cw, true, Parallel.sequential())
                        : k.arq(w, WeightLayout.COUT_FIRST, b, cw);
                return Vectors.first(Vectors.bits(Vectors.floats(c.get("scale")), r.factors().scale(), "scale"),
                        Vectors.ints(Vectors.ints(c.get("offset")), r.factors().offset(), "offset"),
                        Vectors.bits(Vectors.floats(c.get("fake_quantized")), Vectors.values(r.fakeQuantized()), "fake_quantized"));
            }));
        }
        List<JsonNode> fn = list(ref.get("function_cases"));
        for (int i = 0; i < fn.size(); i++) {
            JsonNode c = fn.get(i);
            out.add(new VectorCase(file, "function_cases/" + i + " " + c.get("module_type").asText() + " channel_wise="
                    + c.get("channel_wise"), k -> {
                INDArray w = Vectors.tensor(c.get("weight"));
                ArqWeights.Result r = k.arq(w, WeightLayout.of(c.get("module_type").asText(), groups(c)), c.get("num_bits").asInt(),
                        c.get("channel_wise").asBoolean());
                INDArray grad = ArqWeights.backward(Vectors.tensor(c.get("grad_output")));
                return Vectors.first(Vectors.bits(Vectors.floats(c.get("scale")), r.factors().scale(), "scale"),
                        Arrays.equals(Vectors.shape(c.get("weight")), r.fakeQuantized().shape()) ? null : "shape differs",
                        Vectors.bits(Vectors.floats(c.get("fake_quantized")), Vectors.values(r.fakeQuantized()), "fake_quantized"),
                        Vectors.bits(Vectors.floats(c.get("grad_weight")), Vectors.values(grad), "grad_weight"));
            }));
        }
    }

    /**
     * A case's convolution groups: AMCT's {@code group} or PyTorch's {@code groups}; 1 when absent (a grouped
     * ConvTranspose read as ungrouped would get Cout/g scales).
     */
    static int groups(JsonNode c) {
        for (String key : new String[]{"group", "groups"}) {
            JsonNode g = c.path(key);
            if (g.canConvertToInt() && g.asInt() > 0) {
                return g.asInt();
            }
        }
        return 1;
    }

    // ---- ulq_retrain.json ---------------------------------------------------------------------------------

    private static void ulq(String file, JsonNode ref, List<VectorCase> out) {
        List<JsonNode> cases = list(ref.get("cases"));
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            String name = "cases/" + i + " " + c.get("input").asText() + "/" + c.get("clip_set").asText() + " bits="
                    + c.get("num_bits") + " fixed_min=" + c.get("fixed_min") + " asymmetric=" + c.get("asymmetric");
            out.add(new VectorCase(file, name, k -> ulqCase(ref, c, k)));
        }
    }

    private static String ulqCase(JsonNode ref, JsonNode c, Kernels k) {
        INDArray x;
        INDArray g;
        if (c.has("input_data")) {
            float[] data = Vectors.floats(c.get("input_data"));
            float[] ones = new float[data.length];
            Arrays.fill(ones, 1f);
            x = Tensors.of(data, data.length);
            g = Tensors.of(ones, data.length);
        } else {
            x = Vectors.tensor(ref.get("inputs").get(c.get("input").asText()));
            g = Vectors.tensor(ref.get("grad_outputs").get(c.get("input").asText()));
        }
        int b = c.get("num_bits").asInt();
        boolean fixedMin = c.get("fixed_min").asBoolean();
        boolean asymmetric = c.get("asymmetric").asBoolean();
        ClipState state = new ClipState(Vectors.f(c.get("clip_max")), Vectors.f(c.get("clip_min")),
                Vectors.f(c.get("clip_max_pre")), Vectors.f(c.get("clip_min_pre")));
        // the pipeline is always asymmetric; the symmetric variant is only the CPU kernel's
        UlqActivation.Forward f = asymmetric ? k.ulqForward(x, state, b, fixedMin)
                : UlqActivation.forward(x, state, b, fixedMin, false, Parallel.sequential());
        UlqActivation.Gradients grad = asymmetric ? k.ulqBackward(x, g, f.clipMax(), f.clipMin(), b)
                : UlqActivation.backward(x, g, f.clipMax(), f.clipMin(), b, false, Parallel.sequential());
        JsonNode o = c.get("out");
        JsonNode e = c.get("grad");
        double[] magnitude = ulqTermMagnitudes(Vectors.values(x), Vectors.values(g), f, b);
        return Vectors.first(Vectors.bits(Vectors.floats(o.get("output")), Vectors.values(f.output()), "output"),
                Vectors.equal(Vectors.f(o.get("scale")), f.scale(), "scale"),
                o.get("offset").asInt() == f.offset() ? null : "offset: expected " + o.get("offset") + " but got " + f.offset(),
                Vectors.equal(Vectors.f(o.get("effective_clip_max")), f.clipMax(), "effective_clip_max"),
                Vectors.equal(Vectors.f(o.get("effective_clip_min")), f.clipMin(), "effective_clip_min"),
                Vectors.bits(Vectors.floats(e.get("grad_input")), Vectors.values(grad.gradInput()), "grad_input"),
                Vectors.close(Vectors.f(e.get("grad_clip_max")), grad.gradClipMax(), magnitude[0], "grad_clip_max"),
                Vectors.close(Vectors.f(e.get("grad_clip_min")), grad.gradClipMin(), magnitude[1], "grad_clip_min"));
    }

    /** Σ|(e + U)·g| and Σ|(L − e)·g|, the scale of the clip gradients' reduction-order error. */
    private static double[] ulqTermMagnitudes(float[] x, float[] g, UlqActivation.Forward f, int b) {
        double a = 0;
        double m = 0;
        float s = f.scale();
        float hi = s * (float) ((1L << (b - 1)) - 1 - f.offset());
        float lo = s * (float) (-(1L << (b - 1)) - f.offset());
        for (int i = 0; i < x.length; i++) {
            boolean u = x[i] > hi;
            boolean l = x[i] < lo;
            float t = (u ? f.clipMax() : l ? f.clipMin() : x[i]) / s;
            float e = ((float) Math.rint(t) - t) / (float) ((1L << b) - 1);
            a += Math.abs((e + (u ? 1 : 0)) * g[i]);
            m += Math.abs(((l ? 1 : 0) - e) * g[i]);
        }
        return new double[]{a, m};
    }

    // ---- ulq_scale_retrain.json ---------------------------------------------------------------------------

    private static void weightUlq(String file, JsonNode ref, List<VectorCase> out) {
        List<JsonNode> cases = list(ref.get("cases"));
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            String name = "cases/" + i + " " + c.get("input").asText() + " " + c.get("module_type").asText() + " bits="
                    + c.get("num_bits") + " channel_wise=" + c.get("channel_wise");
            out.add(new VectorCase(file, name, k -> {
                INDArray w = Vectors.tensor(ref.get("inputs").get(c.get("input").asText()));
                WeightLayout layout = WeightLayout.of(c.get("module_type").asText(), groups(c));
                int b = c.get("num_bits").asInt();
                boolean cw = c.get("channel_wise").asBoolean();
                for (JsonNode step : c.get("steps")) {
                    String at = "step " + step.get("cur_batch").asInt() + " ";
                    float[] scale = step.get("arq_init_effective").asBoolean() ? null : Vectors.floats(step.get("scale_before"));
                    WeightUlq.Forward f = k.weightUlqForward(w, layout, scale, b, cw);
                    INDArray g = Vectors.tensor(step.get("grad_output"));
                    WeightUlq.Gradients grad = k.weightUlqBackward(w, layout, g, f.scale(), b);
                    float[] expected = Vectors.floats(step.get("grad_scale"));
                    float[] magnitude = weightUlqMagnitudes(Vectors.values(w), Vectors.values(g), f.scale(), b);
                    String failure = Vectors.first(Vectors.bits(Vectors.floats(step.get("scale")), f.scale(), at + "scale"),
                            Vectors.bits(Vectors.floats(step.get("fake_quantized")), Vectors.values(f.fakeQuantized()), at + "fake_quantized"),
                            Vectors.bits(Vectors.floats(step.get("grad_weight")), Vectors.values(grad.gradWeight()), at + "grad_weight"));
                    for (int j = 0; failure == null && j < expected.length; j++) {
                        failure = Vectors.close(expected[j], grad.gradScale()[j], magnitude[j], at + "grad_scale[" + j + "]");
                    }
                    if (failure != null) {
                        return failure;
                    }
                }
                return null;
            }));
        }
    }

    private static float[] weightUlqMagnitudes(float[] w, float[] g, float[] s, int b) {
        float[] out = new float[s.length];
        int row = w.length / s.length;
        float h = 1L << (b - 1);
        for (int i = 0; i < w.length; i++) {
            int c = i / row;
            float v = w[i] / s[c];
            float t = w[i] > s[c] * (h - 1) ? h - 1 : w[i] < -s[c] * h ? -h : (float) Math.rint(v) - v;
            out[c] += Math.abs(t * g[i]);
        }
        return out;
    }

    // ---- ifmr.json ----------------------------------------------------------------------------------------

    private static Ifmr.Params params(JsonNode p) {
        return new Ifmr.Params(p.get("num_bits").asInt(), p.get("with_offset").asBoolean(), p.get("max_percentile").asDouble(),
                p.get("min_percentile").asDouble(), p.get("search_start").asDouble(), p.get("search_end").asDouble(),
                p.get("search_step").asDouble());
    }

    private static void ifmr(String file, JsonNode ref, List<VectorCase> out) {
        List<JsonNode> cases = list(ref.get("cases"));
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            out.add(new VectorCase(file, "cases/" + i + " " + c.get("input").asText() + " " + c.get("params"), k -> {
                Ifmr.Result r = k.ifmr(Vectors.tensor(ref.get("inputs").get(c.get("input").asText())), params(c.get("params")));
                return Vectors.first(Vectors.bits(Vectors.floats(c.get("ratio_candidates")), r.ratios(), "ratio_candidates"),
                        Vectors.equal(Vectors.f(c.get("percentile_max_value")), r.percentileMax(), "percentile max"),
                        Vectors.equal(Vectors.f(c.get("percentile_min_value")), r.percentileMin(), "percentile min"),
                        Vectors.equal(Vectors.f(c.get("scale")), r.scale(), "scale"),
                        Vectors.equal(Vectors.f(c.get("offset")), r.offset(), "offset"),
                        Vectors.equal(Vectors.f(c.get("clip_max")), r.clipMax(), "clip_max"),
                        Vectors.equal(Vectors.f(c.get("clip_min")), r.clipMin(), "clip_min"));
            }));
        }
        JsonNode t = ref.get("loss_trace");
        if (t != null) {
            out.add(new VectorCase(file, "loss_trace " + t.get("input").asText(), k -> {
                Ifmr.Result r = k.ifmr(Vectors.tensor(ref.get("inputs").get(t.get("input").asText())),
                        new Ifmr.Params(t.get("num_bits").asInt(), t.get("with_offset").asBoolean(), 0.999999, 0.999999, 0.7, 1.3, 0.01));
                float[] losses = Vectors.floats(t.get("losses"));
                for (int j = 0; j < losses.length; j++) {
                    String f = Vectors.close(losses[j], r.losses()[j], Math.abs(losses[j]), "loss[" + j + "]");
                    if (f != null) {
                        return f;
                    }
                }
                return r.best() == t.get("argmin").asInt() ? null : "argmin: expected " + t.get("argmin") + " but got " + r.best();
            }));
        }
        List<JsonNode> modules = list(ref.get("module_cases"));
        for (int i = 0; i < modules.size(); i++) {
            JsonNode m = modules.get(i);
            out.add(new VectorCase(file, "module_cases/" + i + " batch_num=" + m.get("batch_num"), k -> {
                if (!m.path("batch_num").canConvertToInt() || m.path("batch_num").asInt() <= 0 || !m.path("batches").isArray()) {
                    return "malformed case: needs a positive batch_num and a list of batches";
                }
                IfmrCalibrator calibrator = new IfmrCalibrator(Ifmr.Params.qatDefaults(8), m.get("batch_num").asInt());
                JsonNode expected = m.path("results_per_call");
                if (expected.size() != m.get("batches").size()) {
                    return "malformed case: " + m.get("batches").size() + " batches but " + expected.size() + " results_per_call";
                }
                for (int j = 0; j < m.get("batches").size(); j++) {
                    INDArray batch = moduleBatch(ref, m.get("batches").get(j).asText());
                    if (batch == null) {
                        return "malformed case: batch '" + m.get("batches").get(j).asText() + "' is not an input of the file"
                                + " (\"name\" or \"name * factor\")";
                    }
                    Optional<Ifmr.Result> r = calibrator.accept(batch);
                    JsonNode e = expected.get(j);
                    if (e.path("flag").asBoolean() != r.isPresent()) {
                        return "call " + j + ": ready=" + r.isPresent() + ", expected " + e.get("flag");
                    }
                    if (r.isPresent()) {
                        String f = Vectors.first(Vectors.equal(Vectors.f(e.get("scale")), r.get().scale(), "call " + j + " scale"),
                                Vectors.equal(Vectors.f(e.get("clip_max")), r.get().clipMax(), "call " + j + " clip_max"),
                                Vectors.equal(Vectors.f(e.get("clip_min")), r.get().clipMin(), "call " + j + " clip_min"));
                        if (f != null) {
                            return f;
                        }
                    }
                }
                return null;
            }));
        }
    }

    /** An IFMR module batch: an input's name, optionally times a factor ({@code "act_a * 2"}); null when malformed. */
    private static INDArray moduleBatch(JsonNode ref, String spec) {
        String[] parts = spec.split("\\*");
        JsonNode input = ref.path("inputs").path(parts[0].trim());
        if (input.isMissingNode() || parts.length > 2) {
            return null;
        }
        INDArray x = Vectors.tensor(input);
        if (parts.length == 1) {
            return x;
        }
        try {
            return x.mul(Float.parseFloat(parts[1].trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ---- selective_mask_gen.json --------------------------------------------------------------------------

    private static void selective(String file, JsonNode ref, List<VectorCase> out) {
        List<JsonNode> table = list(ref.get("tie_table"));
        if (!table.isEmpty()) {
            out.add(new VectorCase(file, "tie_table (" + table.size() + " patterns)", k -> {
                for (JsonNode row : table) {
                    float[] a = Vectors.floats(row.get("abs_values"));
                    INDArray mask = k.selectiveMask(Tensors.of(a, 1, 4), 1);
                    int[] pruned = new int[2];
                    int n = 0;
                    float[] m = Vectors.values(mask);
                    for (int j = 0; j < 4; j++) {
                        if (m[j] == 0f && n < 2) {
                            pruned[n++] = j;
                        }
                    }
                    int[] expected = Vectors.ints(row.get("pruned_positions"));
                    Arrays.sort(expected);
                    if (n != 2 || !Arrays.equals(expected, pruned)) {
                        return "pattern " + Arrays.toString(a) + ": pruned " + Arrays.toString(Arrays.copyOf(pruned, n))
                                + ", expected " + Arrays.toString(expected);
                    }
                }
                return null;
            }));
        }
        for (JsonNode c : list(ref.get("cases"))) {
            out.add(new VectorCase(file, "cases/" + c.get("name").asText(), k -> Vectors.bits(Vectors.floats(c.get("mask")),
                    Vectors.values(k.selectiveMask(Vectors.tensor(c.get("weight")), c.get("prune_axis").asInt())), "mask")));
        }
        JsonNode axes = ref.get("prune_axis_by_module_type");
        if (axes != null) {
            out.add(new VectorCase(file, "prune_axis_by_module_type", k -> {
                for (String type : List.of("Conv2d", "Linear", "ConvTranspose2d")) {
                    if (axes.has(type) && axes.get(type).asInt() != SelectiveMask.cinAxis(type)) {
                        return type + ": axis " + SelectiveMask.cinAxis(type) + ", expected " + axes.get(type);
                    }
                }
                return null;
            }));
        }
    }

    // ---- filter_prune_bcp.json ----------------------------------------------------------------------------

    private static void bcp(String file, JsonNode ref, List<VectorCase> out) {
        List<JsonNode> table = list(ref.get("cal_prune_num_table"));
        if (!table.isEmpty()) {
            out.add(new VectorCase(file, "cal_prune_num_table (" + table.size() + " rows)", k -> {
                for (JsonNode r : table) {
                    int got = PruneCount.of(r.get("num").asInt(), r.get("prune_ratio").asDouble(), r.get("ascend_optimized").asBoolean(),
                            r.get("prune_group").asInt());
                    if (got != r.get("prune_num").asInt()) {
                        return r + ": got " + got;
                    }
                }
                return null;
            }));
        }
        for (JsonNode c : list(ref.get("cases"))) {
            String name = c.get("name").asText();
            out.add(new VectorCase(file, "cases/" + name, k -> {
                List<INDArray> tensors = new ArrayList<>();
                c.get("tensors").forEach(t -> tensors.add(Vectors.tensor(t)));
                int[] axes = Vectors.ints(c.get("prune_axes"));
                FilterPruner.Result r;
                try {
                    r = k.filterPrune(name, tensors, axes, c.get("prune_ratio").asDouble(), c.get("prune_group").asInt(),
                            c.get("ascend_optimized").asBoolean());
                } catch (KernelException e) {
                    return c.has("error") ? null : "unexpected error: " + e.getMessage();
                }
                if (c.has("error")) {
                    return "AMCT rejects this case (" + c.get("error").path("message").asText() + ") but it was accepted";
                }
                String failure = Vectors.first(Vectors.bits(Vectors.floats(c.get("mask")), r.mask(), "mask"),
                        Vectors.ints(Vectors.ints(c.get("pruned_indices")), r.prunedIndices(), "pruned_indices"));
                JsonNode norms = c.get("normalized_l2_per_tensor");
                for (int t = 0; failure == null && norms != null && t < norms.size(); t++) {
                    float[] expected = Vectors.floats(norms.get(t));
                    for (int i = 0; i < expected.length; i++) {
                        float e = expected[i];
                        float a = r.normalizedNorms().get(t)[i];
                        if (Float.isNaN(e) != Float.isNaN(a) || (!Float.isNaN(e) && Math.abs(e - a) > 1e-6f)) {
                            failure = "normalized norm[" + t + "][" + i + "]: expected " + e + " but got " + a;
                            break;
                        }
                    }
                }
                return failure;
            }));
        }
    }
}
