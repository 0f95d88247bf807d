package io.amctkit.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Test helper: an ND4J array's values as a flat row-major float32 array. */
final class KernelReference {

    private KernelReference() {
    }

    static float[] values(INDArray a) {
        return Tensors.asFloat32(a).dup('c').data().asFloat();
    }
}
