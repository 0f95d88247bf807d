package io.amctkit.runtime.model;

/** The model file formats amctkit reads. */
public enum ModelFormat {
    /** ONNX protobuf, with a graph (AMCT sees a PyTorch model through its ONNX export). */
    ONNX,
    /** Hugging Face safetensors: named tensors, no graph. */
    SAFETENSORS,
    /** A PyTorch state_dict saved with torch.save (zip + pickle): named tensors, no graph. */
    PYTORCH
}
