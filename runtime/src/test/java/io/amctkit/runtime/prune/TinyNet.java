package io.amctkit.runtime.prune;

import com.google.protobuf.ByteString;
import io.amctkit.runtime.onnx.proto.AttributeProto;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.OperatorSetIdProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import io.amctkit.runtime.onnx.proto.TensorShapeProto;
import io.amctkit.runtime.onnx.proto.TypeProto;
import io.amctkit.runtime.onnx.proto.ValueInfoProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Small networks written the way PyTorch's ONNX exporter writes them ({@code conv1.weight} initializers, {@code
 * /conv1/Conv} and {@code /Add} node names), with seeded random weights: the topologies AMCT's filter pruning walks.
 * Each method returns the output tensor's name.
 */
public final class TinyNet {

    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("tiny");
    private final Random random;
    private int unnamed;

    public TinyNet(long seed) {
        this.random = new Random(seed);
    }

    public String input(String name, long... shape) {
        graph.addInput(value(name, shape));
        return name;
    }

    public void output(String tensor) {
        graph.addOutput(ValueInfoProto.newBuilder().setName(tensor).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))));
    }

    public String conv(String module, String x, int in, int out, int kernel, int groups) {
        String w = module + ".weight";
        graph.addInitializer(random(w, out, in / groups, kernel, kernel));
        graph.addInitializer(random(module + ".bias", out));
        String y = "/" + module + "/Conv_output_0";
        graph.addNode(NodeProto.newBuilder().setOpType("Conv").setName("/" + module + "/Conv").addInput(x).addInput(w)
                .addInput(module + ".bias").addOutput(y).addAttribute(ints("kernel_shape", kernel, kernel))
                .addAttribute(ints("pads", kernel / 2, kernel / 2, kernel / 2, kernel / 2)).addAttribute(integer("group", groups)));
        return y;
    }

    public String conv(String module, String x, int in, int out) {
        return conv(module, x, in, out, 3, 1);
    }

    public String bn(String module, String x, int c) {
        graph.addInitializer(random(module + ".weight", c));
        graph.addInitializer(random(module + ".bias", c));
        graph.addInitializer(random(module + ".running_mean", c));
        TensorProto var = random(module + ".running_var", c);
        float[] v = new float[c];
        for (int i = 0; i < c; i++) {
            v[i] = 0.5f + random.nextFloat();
        }
        graph.addInitializer(floats(module + ".running_var", v, c));
        String y = "/" + module + "/BatchNormalization_output_0";
        graph.addNode(NodeProto.newBuilder().setOpType("BatchNormalization").setName("/" + module + "/BatchNormalization")
                .addInput(x).addInput(module + ".weight").addInput(module + ".bias").addInput(module + ".running_mean")
                .addInput(var.getName()).addOutput(y));
        return y;
    }

    /** nn.Linear on a 2-D input: Gemm with transB = 1 and the weight stored [out, in]. */
    public String gemm(String module, String x, int in, int out) {
        graph.addInitializer(random(module + ".weight", out, in));
        graph.addInitializer(random(module + ".bias", out));
        String y = "/" + module + "/Gemm_output_0";
        graph.addNode(NodeProto.newBuilder().setOpType("Gemm").setName("/" + module + "/Gemm").addInput(x)
                .addInput(module + ".weight").addInput(module + ".bias").addOutput(y).addAttribute(integer("transB", 1))
                .addAttribute(floatAttr("alpha", 1f)).addAttribute(floatAttr("beta", 1f)));
        return y;
    }

    /** nn.Linear on a 3-D input: MatMul with the weight stored [in, out], then the bias Add. */
    public String matmul(String module, String x, int in, int out) {
        String w = "onnx::MatMul_" + module;
        graph.addInitializer(random(w, in, out));
        graph.addInitializer(random(module + ".bias", out));
        String mm = "/" + module + "/MatMul_output_0";
        graph.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("/" + module + "/MatMul").addInput(x).addInput(w).addOutput(mm));
        String y = "/" + module + "/Add_output_0";
        graph.addNode(NodeProto.newBuilder().setOpType("Add").setName("/" + module + "/Add").addInput(module + ".bias").addInput(mm).addOutput(y));
        return y;
    }

    public String op(String type, String... inputs) {
        return op(type, "/" + type + (unnamed == 0 ? "" : "_" + unnamed), inputs);
    }

    public String op(String type, String name, String[] inputs, AttributeProto... attrs) {
        unnamed++;
        String y = name + "_output_0";
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(type).setName(name).addOutput(y);
        for (String in : inputs) {
            n.addInput(in);
        }
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return y;
    }

    public String relu(String x) {
        return op("Relu", x);
    }

    public String add(String a, String b) {
        return op("Add", a, b);
    }

    public String concat(String... xs) {
        return op("Concat", "/Concat" + (unnamed == 0 ? "" : "_" + unnamed), xs, integer("axis", 1));
    }

    public String gapFlatten(String x) {
        String g = op("GlobalAveragePool", x);
        return op("Flatten", "/Flatten", new String[]{g}, integer("axis", 1));
    }

    public ModelProto build() {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("pytorch")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(graph).build();
    }

    public Path write(Path file) throws IOException {
        Files.write(file, build().toByteArray());
        return file;
    }

    private TensorProto random(String name, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * 0.3);
        }
        return floats(name, v, shape);
    }

    static TensorProto floats(String name, float[] v, long... shape) {
        ByteBuffer raw = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            raw.putFloat(f);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(raw.array()));
        for (long d : shape) {
            t.addDims(d);
        }
        return t.build();
    }

    private static ValueInfoProto value(String name, long... shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : shape) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    static AttributeProto integer(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }
}
