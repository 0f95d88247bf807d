package io.amctkit.kernels.ascend;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Symmetric weight fake quantization on the NPU: {@code aclnnFakeQuantPerChannelAffineCachemask} along axis 0 with
 * zero point 0 (one scale per output channel), or the per-tensor variant for one scale. With zero point 0 the device
 * formula — (clamp(round(w/s)) − 0)·s, rounding half to even — is AMCT's ARQ and weight-ULQ forward exactly.
 */
final class DeviceFakeQuant {

    private final Cann cann;
    private final Pointer context;

    /** Runs on {@code context}, bound to each calling thread (null: the threads are bound already). */
    DeviceFakeQuant(Cann cann, Pointer context) {
        this.cann = cann;
        this.context = context;
    }

    /** {@code target} (contiguous float32, the shape of {@code coutFirst}) ← fake-quantized {@code coutFirst}. */
    void run(INDArray coutFirst, float[] scales, int bits, INDArray target) {
        long n = coutFirst.length();
        int c = scales.length;
        long[] shape = coutFirst.shape();
        long qmin = -(1L << (bits - 1));
        long qmax = (1L << (bits - 1)) - 1;
        try (DeviceScope scope = new DeviceScope(cann, context)) {
            Pointer x = scope.malloc(4 * n);
            Pointer scale = scope.malloc(4L * c);
            Pointer zero = scope.malloc(4L * c);
            Pointer out = scope.malloc(4 * n);
            Pointer mask = scope.malloc(n);
            scope.toDevice(x, host(coutFirst), 4 * n);
            Memory s = new Memory(4L * c);
            s.write(0, scales, 0, c);
            scope.toDevice(scale, s, 4L * c);
            Memory z = new Memory(4L * c);
            z.clear();
            scope.toDevice(zero, z, 4L * c);
            Pointer tx = scope.tensor(shape, OpApi.FLOAT, x);
            Pointer ts = scope.tensor(new long[]{c}, OpApi.FLOAT, scale);
            Pointer tz = scope.tensor(new long[]{c}, OpApi.INT32, zero);
            Pointer to = scope.tensor(shape, OpApi.FLOAT, out);
            Pointer tm = scope.tensor(shape, OpApi.BOOL, mask);
            if (c > 1) {
                scope.run("aclnnFakeQuantPerChannelAffineCachemask",
                        (ws, ex) -> cann.ops().aclnnFakeQuantPerChannelAffineCachemaskGetWorkspaceSize(tx, ts, tz, 0, qmin, qmax, to, tm, ws, ex),
                        cann.ops()::aclnnFakeQuantPerChannelAffineCachemask);
            } else {
                scope.run("aclnnFakeQuantPerTensorAffineCachemask",
                        (ws, ex) -> cann.ops().aclnnFakeQuantPerTensorAffineCachemaskGetWorkspaceSize(tx, ts, tz, 1f, qmin, qmax, to, tm, ws, ex),
                        cann.ops()::aclnnFakeQuantPerTensorAffineCachemask);
            }
            scope.toHost(host(target), out, 4 * n);
        }
    }

    /** The host address of a contiguous float32 ND4J array's first element. */
    private static Pointer host(INDArray a) {
        return new Pointer(a.data().addressPointer().address() + a.offset() * 4);
    }
}
