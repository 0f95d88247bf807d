package io.amctkit.runtime.calibration;

import io.amctkit.runtime.onnx.proto.GraphProto;
import io.amctkit.runtime.onnx.proto.ModelProto;
import io.amctkit.runtime.onnx.proto.TypeProto;
import io.amctkit.runtime.onnx.proto.ValueInfoProto;

import java.util.HashSet;
import java.util.Set;

/** Taps on a model's intermediate tensors: the model with those tensors added as float graph outputs, so a run returns them. */
public final class CalibrationTaps {

    private CalibrationTaps() {
    }

    public static ModelProto withOutputs(ModelProto model, Set<String> tensors) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        Set<String> existing = new HashSet<>();
        g.getOutputList().forEach(o -> existing.add(o.getName()));
        for (String t : tensors) {
            if (existing.add(t)) {
                g.addOutput(ValueInfoProto.newBuilder().setName(t)
                        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }
}
