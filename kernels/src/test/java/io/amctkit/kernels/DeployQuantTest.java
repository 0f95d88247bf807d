package io.amctkit.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The saved models' activation quantization against algorithms.md §9's test vector D1. */
class DeployQuantTest {

    private static final float SCALE_D = Float.intBitsToFloat(0x3bc0c0c1);
    private static final float[] X = {-1.0f, -0.3f, 0.0f, 0.05f, 0.4f, 0.77f, 1.2f, 2.5f};

    @Test
    void deployLevelsOfD1() {
        assertEquals(170.0f, DeployQuant.reciprocal(SCALE_D));
        float[] q = DeployQuant.quantize(Nd4j.create(X, new long[]{8}, 'c'), SCALE_D, -43, 8).data().asFloat();
        assertArrayEquals(new float[]{-128, -94, -43, -34, 25, 88, 127, 127}, q);
    }

    @Test
    void d1DeploysAsTrainedButTheFakeQuantModelMovesOneValue() {
        // deploy equals training on D1; the fake-quant ONNX chain rounds 0.05·170 = 8.5 to 8 before adding −43
        assertArrayEquals(new long[]{0, 1}, DeployQuant.mismatches(X, SCALE_D, -43, 8));
    }
}
