package io.amctkit.kernels.ascend;

import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.WeightLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** A process that uses the Ascend backend once and exits, for the shutdown test in {@link CannLayoutsTest}. */
public final class AscendShutdownMain {

    private AscendShutdownMain() {
    }

    public static void main(String[] args) {
        AscendBackend backend = new AscendBackend();
        try (Kernels npu = backend.kernels(1)) {
            npu.arq(Nd4j.randn(DataType.FLOAT, 16, 32), WeightLayout.COUT_FIRST, 8, true);
            System.out.println("ran on " + backend.name() + ": " + backend.availability().detail());
        }
    }
}
