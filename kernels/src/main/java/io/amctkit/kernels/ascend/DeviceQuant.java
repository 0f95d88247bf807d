package io.amctkit.kernels.ascend;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.amctkit.kernels.DeployQuant;
import io.amctkit.kernels.Tensors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The deploy model's activation quantization on the NPU: {@code aclnnAscendQuantV3} with scale = float32(1/scale_d),
 * offset = offset_d, round mode "round" (rint) and INT8 output — the device operator the deployed model itself uses.
 */
final class DeviceQuant {

    private final Cann cann;
    private final Pointer context;

    /** Runs on {@code context}, bound to each calling thread (null: the threads are bound already). */
    DeviceQuant(Cann cann, Pointer context) {
        this.cann = cann;
        this.context = context;
    }

    /** INT8 levels of {@code x} (contiguous float32), returned as floats. */
    INDArray run(INDArray x, float scaleD, int offsetD) {
        long n = x.length();
        long[] shape = x.shape().length == 0 ? new long[]{1} : x.shape();
        try (DeviceScope scope = new DeviceScope(cann, context)) {
            Pointer dx = scope.malloc(4 * n);
            Pointer dscale = scope.malloc(4);
            Pointer doffset = scope.malloc(4);
            Pointer dy = scope.malloc(n);
            scope.toDevice(dx, new Pointer(x.data().addressPointer().address() + x.offset() * 4), 4 * n);
            Memory s = new Memory(4);
            s.setFloat(0, DeployQuant.reciprocal(scaleD));
            scope.toDevice(dscale, s, 4);
            Memory o = new Memory(4);
            o.setFloat(0, offsetD);
            scope.toDevice(doffset, o, 4);
            Pointer tx = scope.tensor(shape, OpApi.FLOAT, dx);
            Pointer ts = scope.tensor(new long[]{1}, OpApi.FLOAT, dscale);
            Pointer to = scope.tensor(new long[]{1}, OpApi.FLOAT, doffset);
            Pointer ty = scope.tensor(shape, OpApi.INT8, dy);
            scope.run("aclnnAscendQuantV3", (ws, ex) -> cann.ops().aclnnAscendQuantV3GetWorkspaceSize(
                    tx, ts, to, false, "round", OpApi.INT8, -1, ty, ws, ex), cann.ops()::aclnnAscendQuantV3);
            Memory y = new Memory(n);
            scope.toHost(y, dy, n);
            INDArray out = Tensors.newFloat32(x.shape());
            java.nio.FloatBuffer f = Tensors.floats(out);
            for (int i = 0; i < n; i++) {
                f.put(i, y.getByte(i));
            }
            return out;
        }
    }
}
