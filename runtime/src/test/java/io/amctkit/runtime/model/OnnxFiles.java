package io.amctkit.runtime.model;

import com.google.protobuf.ByteString;
import io.amctkit.runtime.onnx.proto.AttributeProto;
import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.NodeProto;
import io.amctkit.runtime.onnx.proto.OperatorSetIdProto;
import io.amctkit.runtime.onnx.proto.StringStringEntryProto;
import io.amctkit.runtime.onnx.proto.TensorProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Builds small ONNX graphs for the model tests, the way exporters write them. */
final class OnnxFiles {

    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("test");

    /** A float32 initializer of {@code shape} with values 0, 1, 2, … scaled by {@code scale}. */
    OnnxFiles initializer(String name, float scale, long... shape) {
        graph.addInitializer(tensor(name, scale, shape));
        return this;
    }

    static TensorProto tensor(String name, float scale, long... shape) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        ByteBuffer raw = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            raw.putFloat(i * scale);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(raw.array()));
        Arrays.stream(shape).forEach(t::addDims);
        return t.build();
    }

    OnnxFiles tensor(TensorProto t) {
        graph.addInitializer(t);
        return this;
    }

    /** A Constant node producing {@code output}. */
    OnnxFiles constant(String output, TensorProto value) {
        graph.addNode(NodeProto.newBuilder().setOpType("Constant").setName(output + "_const").addOutput(output)
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(value)));
        return this;
    }

    OnnxFiles node(String op, String name, String[] inputs, String[] outputs, AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name);
        Arrays.stream(inputs).forEach(n::addInput);
        Arrays.stream(outputs).forEach(n::addOutput);
        Arrays.stream(attributes).forEach(n::addAttribute);
        graph.addNode(n);
        return this;
    }

    static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static String[] in(String... names) {
        return names;
    }

    ModelProto build() {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("amctkit-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(graph).build();
    }

    Path write(Path file) throws IOException {
        Files.write(file, build().toByteArray());
        return file;
    }

    /** An external-data tensor reference. */
    static TensorProto external(String name, String location, long offset, long length, long... shape) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(String.valueOf(offset)))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(String.valueOf(length)));
        Arrays.stream(shape).forEach(t::addDims);
        return t.build();
    }
}
