package io.amctkit.runtime.model.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.amctkit.runtime.model.Coupling;
import io.amctkit.runtime.model.DType;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.ModelException;
import io.amctkit.runtime.model.ModelFormat;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.TensorInfo;
import io.amctkit.runtime.model.Unsupported;
import io.amctkit.runtime.onnx.proto.AttributeProto;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ONNX model as AMCT sees the PyTorch model behind it: Conv → Conv1d/2d/3d by weight rank, ConvTranspose →
 * ConvTranspose1d/2d, Gemm and MatMul with a constant weight → Linear, LSTM, GRU; names from export scopes, parameter
 * names or node names; weights from initializers, Constant nodes and external data; graph facts from {@link OnnxGraph}.
 * The file is memory-mapped and raw tensor data is aliased, not copied, until a weight is read.
 */
public final class OnnxModel implements Model {

    private final Path source;
    private final ModelProto proto;
    private final OnnxTensors tensors;
    private final Map<String, TensorProto> constants;
    private final List<ModelLayer> layers;
    private final List<Unsupported> unsupported;
    private final List<Coupling> couplings;
    private final List<String> notes;
    private final Map<String, String> inputTensors = new HashMap<>();
    private final Map<String, String> layerByOutput = new HashMap<>();
    private final Map<String, ModelLayer> layersByName = new HashMap<>();
    private final java.util.Set<String> topLevelTensors = new java.util.HashSet<>();

    private OnnxModel(Path source, ModelProto proto) {
        this.source = source;
        this.proto = proto;
        this.tensors = new OnnxTensors(source);
        GraphProto g = flatten(proto.getGraph());
        this.constants = constants(g);
        List<Unsupported> skipped = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Map<Integer, ModelLayer> byNode = new LinkedHashMap<>();
        Map<String, Integer> nameOwner = new HashMap<>();
        Map<String, String> weightOwner = new HashMap<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto node = g.getNode(i);
            Optional<ModelLayer> layer = layerOf(node, skipped);
            if (layer.isEmpty()) {
                continue;
            }
            ModelLayer l = layer.get();
            String shared = weightOwner.get(l.weight().name());
            if (shared != null) {
                notes.add(label(node) + " reuses the weight of " + shared + ": one module called twice, listed once");
                continue;
            }
            if (nameOwner.containsKey(l.name())) {
                String unique = l.name() + "#" + (nameOwner.get(l.name()) + 1);
                nameOwner.put(l.name(), nameOwner.get(l.name()) + 1);
                notes.add(label(node) + " recovers the name " + l.name() + " a second time; listed as " + unique);
                l = l.withName(unique);
            } else {
                nameOwner.put(l.name(), 1);
            }
            weightOwner.put(l.weight().name(), l.name());
            byNode.put(i, l);
            if (node.getInputCount() > 0) {
                inputTensors.put(l.name(), node.getInput(0));
            }
            if (node.getOutputCount() > 0) {
                layerByOutput.put(node.getOutput(0), l.name());
            }
        }
        proto.getGraph().getNodeList().forEach(n -> topLevelTensors.addAll(n.getOutputList()));
        proto.getGraph().getInputList().forEach(v -> topLevelTensors.add(v.getName()));
        OnnxGraph graph = new OnnxGraph(g, constants.keySet(), byNode);
        this.layers = graph.withFacts();
        layers.forEach(l -> layersByName.put(l.name(), l));
        this.couplings = graph.couplings();
        this.unsupported = List.copyOf(skipped);
        this.notes = List.copyOf(notes);
    }

    /** Opens {@code file} (memory-mapped; raw tensor data stays in the mapping until read). */
    public static OnnxModel open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new ModelException(file, "is " + size + " bytes; an ONNX protobuf is at most 2 GiB (larger models keep"
                        + " their weights in external data files)");
            }
            MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            CodedInputStream in = CodedInputStream.newInstance(mapped);
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            ModelProto proto;
            try {
                proto = ModelProto.parseFrom(in);
            } catch (InvalidProtocolBufferException e) {
                throw new ModelException(file, "is not a readable ONNX model (" + e.getMessage()
                        + "); the file is truncated or corrupt, or not ONNX");
            }
            if (!proto.hasGraph() || proto.getIrVersion() <= 0 || proto.getGraph().getNodeCount() == 0) {
                throw new ModelException(file, "is not an ONNX model: no IR version or no graph nodes");
            }
            return new OnnxModel(file, proto);
        } catch (NoSuchFileException e) {
            throw new ModelException(file, "no such file", true, e);
        } catch (IOException e) {
            throw new ModelException(file, "cannot read: " + e.getMessage(), true, e);
        }
    }

    /**
     * The same file's model with other constants (a retrained state): {@code proto} must keep the graph's node and tensor
     * names; its weights are read from it, external data from the original file's folder.
     */
    public OnnxModel derived(ModelProto edited) {
        return new OnnxModel(source, edited);
    }

    /**
     * The tensor a layer reads (its node's first input), when it is a tensor of the top-level graph and so can be
     * observed by running the model (not one inside an If or Loop body).
     */
    public Optional<String> observableInput(String layerName) {
        return Optional.ofNullable(inputTensors.get(layerName)).filter(topLevelTensors::contains);
    }

    /** The layer whose node produces {@code tensor} (its first output): how exports find a node's layer. */
    public Optional<ModelLayer> layerProducing(String tensor) {
        return Optional.ofNullable(layerByOutput.get(tensor)).map(layersByName::get);
    }

    /** The parsed protobuf (for exports). */
    public ModelProto proto() {
        return proto;
    }

    @Override
    public Path source() {
        return source;
    }

    @Override
    public ModelFormat format() {
        return ModelFormat.ONNX;
    }

    @Override
    public List<ModelLayer> layers() {
        return layers;
    }

    @Override
    public List<Unsupported> unsupported() {
        return unsupported;
    }

    @Override
    public List<Coupling> couplings() {
        return couplings;
    }

    @Override
    public List<String> notes() {
        return notes;
    }

    @Override
    public INDArray read(TensorInfo tensor) {
        TensorProto t = constants.get(tensor.name());
        if (t == null) {
            throw new IllegalArgumentException(source + " has no constant tensor '" + tensor.name() + "'");
        }
        return tensors.read(tensor, t);
    }

    @Override
    public void close() {
        // the mapping is released with the last reference to the model's buffers
    }

    /**
     * The graph with the nodes and initializers of its subgraphs (If branches, Loop and Scan bodies) inlined after the
     * node that owns them, so layers inside control flow are found too; names stay as the exporter wrote them.
     */
    static GraphProto flatten(GraphProto g) {
        boolean nested = g.getNodeList().stream().flatMap(n -> n.getAttributeList().stream())
                .anyMatch(a -> a.hasG() || a.getGraphsCount() > 0);
        if (!nested) {
            return g;
        }
        GraphProto.Builder flat = g.toBuilder().clearNode();
        for (NodeProto n : g.getNodeList()) {
            NodeProto.Builder owner = n.toBuilder().clearAttribute();
            List<GraphProto> subgraphs = new ArrayList<>();
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) {
                    if (a.hasG()) {
                        subgraphs.add(a.getG());
                    }
                    subgraphs.addAll(a.getGraphsList());
                } else {
                    owner.addAttribute(a);
                }
            }
            flat.addNode(owner);
            for (GraphProto sub : subgraphs) {
                GraphProto inner = flatten(sub);
                flat.addAllNode(inner.getNodeList()).addAllInitializer(inner.getInitializerList());
            }
        }
        return flat.build();
    }

    /** Initializers and Constant node outputs (the value attribute), by name; Identity of a constant is a constant. */
    private static Map<String, TensorProto> constants(GraphProto g) {
        Map<String, TensorProto> out = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            out.put(t.getName(), t);
        }
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                for (AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("value") && a.hasT()) {
                        out.put(n.getOutput(0), a.getT());
                    }
                }
            } else if (n.getOpType().equals("Identity") && n.getInputCount() == 1 && out.containsKey(n.getInput(0))) {
                TensorProto t = out.get(n.getInput(0));
                out.put(n.getOutput(0), t.hasName() ? t : t.toBuilder().setName(n.getInput(0)).build());
            }
        }
        return out;
    }

    private Optional<ModelLayer> layerOf(NodeProto node, List<Unsupported> skipped) {
        String op = node.getOpType();
        if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
            constantInputs(node).filter(t -> t.rank() >= 2).findFirst().ifPresent(t -> skipped.add(new Unsupported(label(node), op,
                    "operator of domain " + node.getDomain() + " with a weight " + t.shapeText() + ": not a layer type AMCT handles")));
            return Optional.empty();
        }
        switch (op) {
            case "Conv", "ConvTranspose" -> {
                Optional<TensorInfo> w = constantInput(node, 1);
                if (w.isEmpty()) {
                    skipped.add(new Unsupported(label(node), op, "its weight is computed at run time, not stored"));
                    return Optional.empty();
                }
                return convolution(node, w.get(), skipped);
            }
            case "Gemm" -> {
                Optional<TensorInfo> b = constantInput(node, 1);
                if (b.isEmpty() || b.get().rank() != 2 || attrInt(node, "transA", 0) != 0) {
                    reportWeights(node, skipped, "Gemm without a constant 2-D B (or with transA): not a Linear layer");
                    return Optional.empty();
                }
                boolean transposed = attrInt(node, "transB", 0) == 0;   // B stored [in, out]
                return Optional.of(linear(node, b.get(), transposed, "ONNX Gemm with a constant weight"
                        + (transposed ? " (transB = 0: stored [in, out])" : "")));
            }
            case "MatMul" -> {
                Optional<TensorInfo> b = constantInput(node, 1);
                if (b.isPresent() && b.get().rank() == 2) {
                    return Optional.of(linear(node, b.get(), true, "ONNX MatMul with a constant weight (stored [in, out])"));
                }
                reportWeights(node, skipped, "MatMul with a constant that is not a 2-D right operand: not a Linear layer");
                return Optional.empty();
            }
            case "LSTM", "GRU" -> {
                return recurrent(node, skipped);
            }
            default -> {
                reportWeights(node, skipped, "not a layer type AMCT quantizes or prunes");
                return Optional.empty();
            }
        }
    }

    private Optional<ModelLayer> convolution(NodeProto node, TensorInfo w, List<Unsupported> skipped) {
        String op = node.getOpType();
        int rank = w.rank();
        if (rank < 3 || rank > 5) {
            skipped.add(new Unsupported(label(node), op, "weight " + w.shapeText() + " has rank " + rank + "; expected 3 to 5"));
            return Optional.empty();
        }
        String type = (op.equals("Conv") ? "Conv" : "ConvTranspose") + (rank - 2) + "d";
        long[] s = w.shape();
        int groups = (int) attrInt(node, "group", 1);
        if (groups <= 0) {
            skipped.add(new Unsupported(label(node), op, "group " + groups + " is not positive"));
            return Optional.empty();
        }
        int in = op.equals("Conv") ? checked(s[1] * groups, node) : checked(s[0], node);
        int out = op.equals("Conv") ? checked(s[0], node) : checked(s[1] * groups, node);
        List<Integer> kernel = new ArrayList<>();
        for (int d = 2; d < rank; d++) {
            kernel.add(checked(s[d], node));
        }
        List<TensorInfo> weights = new ArrayList<>(List.of(w));
        constantInput(node, 2).ifPresent(weights::add);
        Named n = name(node, w);
        return Optional.of(new ModelLayer(n.name, type, n.naming, "ONNX " + op + " with a rank-" + rank + " weight",
                label(node), weights, false, java.util.OptionalInt.of(in), java.util.OptionalInt.of(out),
                java.util.OptionalInt.of(groups), kernel, java.util.OptionalInt.empty(), java.util.OptionalInt.empty(),
                List.of(), List.of(), Optional.empty()));
    }

    private ModelLayer linear(NodeProto node, TensorInfo w, boolean transposed, String evidence) {
        long[] s = w.shape();
        int in = checked(transposed ? s[0] : s[1], node);
        int out = checked(transposed ? s[1] : s[0], node);
        List<TensorInfo> weights = new ArrayList<>(List.of(w));
        if (node.getOpType().equals("Gemm")) {
            constantInput(node, 2).ifPresent(weights::add);
        }
        Named n = name(node, w);
        return new ModelLayer(n.name, "Linear", n.naming, evidence, label(node), weights, transposed,
                java.util.OptionalInt.of(in), java.util.OptionalInt.of(out), java.util.OptionalInt.of(1), List.of(),
                java.util.OptionalInt.empty(), java.util.OptionalInt.empty(), List.of(), List.of(), Optional.empty());
    }

    private Optional<ModelLayer> recurrent(NodeProto node, List<Unsupported> skipped) {
        String op = node.getOpType();
        Optional<TensorInfo> w = constantInput(node, 1);
        Optional<TensorInfo> r = constantInput(node, 2);
        if (w.isEmpty() || r.isEmpty() || w.get().rank() != 3) {
            reportWeights(node, skipped, op + " without constant 3-D W and R weights");
            return Optional.empty();
        }
        long[] s = w.get().shape();
        int gates = op.equals("LSTM") ? 4 : 3;
        int hidden = (int) attrInt(node, "hidden_size", s[1] / gates);
        if (hidden <= 0 || s[1] != (long) gates * hidden) {
            skipped.add(new Unsupported(label(node), op, "W " + w.get().shapeText() + " does not hold " + gates
                    + " gates of hidden_size " + hidden));
            return Optional.empty();
        }
        List<TensorInfo> weights = new ArrayList<>(List.of(w.get(), r.get()));
        constantInput(node, 3).ifPresent(weights::add);
        Named n = name(node, w.get());
        String dir = s[0] == 2 ? ", bidirectional" : "";
        return Optional.of(new ModelLayer(n.name, op, n.naming, "ONNX " + op + " (W " + w.get().shapeText() + dir + ")",
                label(node), weights, false, java.util.OptionalInt.empty(), java.util.OptionalInt.empty(),
                java.util.OptionalInt.empty(), List.of(), java.util.OptionalInt.of(checked(s[2], node)),
                java.util.OptionalInt.of(hidden), List.of(), List.of(), Optional.empty()));
    }

    private record Named(String name, String naming) {
    }

    /** Parameter name, then export scope, then Paddle parameter name, then the node name (or its output). */
    private static Named name(NodeProto node, TensorInfo weight) {
        Optional<String> fromParameter = io.amctkit.runtime.model.LayerNames.fromParameter(weight.name());
        if (fromParameter.isPresent()) {
            return new Named(fromParameter.get(), "initializer name");
        }
        Optional<String> fromScope = io.amctkit.runtime.model.LayerNames.fromExportScope(node.getName());
        if (fromScope.isPresent()) {
            return new Named(fromScope.get(), "export scope");
        }
        Optional<String> paddle = io.amctkit.runtime.model.LayerNames.fromPaddleParameter(weight.name());
        if (paddle.isPresent()) {
            return new Named(paddle.get(), "Paddle parameter name");
        }
        if (!node.getName().isEmpty()) {
            return new Named(node.getName(), "node name");
        }
        return new Named(node.getOpType() + ":" + node.getOutput(0), "node output");
    }

    private void reportWeights(NodeProto node, List<Unsupported> skipped, String reason) {
        constantInputs(node).filter(t -> java.util.Arrays.stream(t.shape()).filter(d -> d > 1).count() >= 2).findFirst().ifPresent(t ->
                skipped.add(new Unsupported(label(node), node.getOpType(), reason + " (constant " + t.name() + " " + t.shapeText() + ")")));
    }

    private java.util.stream.Stream<TensorInfo> constantInputs(NodeProto node) {
        List<TensorInfo> out = new ArrayList<>();
        for (int i = 0; i < node.getInputCount(); i++) {
            constantInput(node, i).ifPresent(out::add);
        }
        return out.stream();
    }

    /** The float constant feeding input {@code index}, checked. */
    private Optional<TensorInfo> constantInput(NodeProto node, int index) {
        if (index >= node.getInputCount() || node.getInput(index).isEmpty()) {
            return Optional.empty();
        }
        String name = node.getInput(index);
        TensorProto t = constants.get(name);
        if (t == null) {
            return Optional.empty();
        }
        Optional<DType> type = OnnxTensors.floatType(t);
        return type.map(d -> tensors.info(name, t, d));
    }

    private int checked(long v, NodeProto node) {
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new ModelException(source, label(node) + " has a dimension " + v + " no layer can have");
        }
        return (int) v;
    }

    private static long attrInt(NodeProto node, String name, long fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return fallback;
    }

    static String label(NodeProto node) {
        return node.getOpType() + " node " + (node.getName().isEmpty() ? "→ " + (node.getOutputCount() > 0 ? node.getOutput(0) : "?")
                : "'" + node.getName() + "'");
    }
}
