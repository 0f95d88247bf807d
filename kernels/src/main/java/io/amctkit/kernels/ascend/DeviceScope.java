package io.amctkit.kernels.ascend;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import io.amctkit.kernels.KernelException;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The device resources of one kernel call — a stream, device buffers, tensor descriptors, an executor — all released in
 * reverse order on {@link #close()}, whatever path the call took. A scope first makes the kernels' device context the
 * calling thread's (ACL contexts belong to threads, and kernels run on pool threads). Every CANN status other than 0
 * becomes a {@link KernelException} naming the function and the status.
 */
final class DeviceScope implements AutoCloseable {

    private final Cann cann;
    private final Deque<Runnable> release = new ArrayDeque<>();
    private Pointer stream;

    /** A scope on {@code context}, bound to the calling thread first (unless null: the thread is already bound). */
    DeviceScope(Cann cann, Pointer context) {
        this.cann = cann;
        if (context != null) {
            check("aclrtSetCurrentContext", cann.acl().aclrtSetCurrentContext(context));
        }
    }

    static void check(String function, int status) {
        if (status != 0) {
            throw new KernelException("Ascend: " + function + " failed with status " + status);
        }
    }

    Pointer stream() {
        if (stream == null) {
            PointerByReference s = new PointerByReference();
            check("aclrtCreateStream", cann.acl().aclrtCreateStream(s));
            stream = s.getValue();
            Pointer created = stream;
            release.push(() -> cann.acl().aclrtDestroyStream(created));
        }
        return stream;
    }

    Pointer malloc(long bytes) {
        PointerByReference p = new PointerByReference();
        check("aclrtMalloc", cann.acl().aclrtMalloc(p, Math.max(1, bytes), Acl.MALLOC_HUGE_FIRST));
        Pointer device = p.getValue();
        release.push(() -> cann.acl().aclrtFree(device));
        return device;
    }

    void toDevice(Pointer device, Pointer host, long bytes) {
        check("aclrtMemcpy (host to device)", cann.acl().aclrtMemcpy(device, bytes, host, bytes, Acl.MEMCPY_HOST_TO_DEVICE));
    }

    void toHost(Pointer host, Pointer device, long bytes) {
        check("aclrtMemcpy (device to host)", cann.acl().aclrtMemcpy(host, bytes, device, bytes, Acl.MEMCPY_DEVICE_TO_HOST));
    }

    /** An ND tensor descriptor over device memory, C-ordered. */
    Pointer tensor(long[] shape, int dataType, Pointer data) {
        long[] strides = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = s;
            s *= shape[d];
        }
        Pointer t = cann.base().aclCreateTensor(shape, shape.length, dataType, strides, 0, OpApi.FORMAT_ND, shape, shape.length, data);
        if (t == null) {
            throw new KernelException("Ascend: aclCreateTensor returned null for shape " + java.util.Arrays.toString(shape));
        }
        release.push(() -> cann.base().aclDestroyTensor(t));
        return t;
    }

    /** An aclnn operator's first phase: fills the workspace size and the executor, returns a status. */
    @FunctionalInterface
    interface Prepare {
        int run(LongByReference workspaceSize, PointerByReference executor);
    }

    /** An aclnn operator's second phase: (workspace, size, executor, stream) → status. */
    @FunctionalInterface
    interface Launch {
        int run(Pointer workspace, long workspaceSize, Pointer executor, Pointer stream);
    }

    /**
     * Runs a two-phase aclnn operator on this scope's stream and waits for it: workspace size and executor, the
     * executor made repeatable (so that it is ours to release with {@code aclDestroyAclOpExecutor} whether or not it is
     * launched: the documented way; a plain executor may only be consumed by its launch), the workspace, the launch,
     * the sync. The executor is released with the scope.
     */
    void run(String op, Prepare prepare, Launch launch) {
        Pointer stream = stream();   // before the executor exists, so a failing stream cannot strand it
        LongByReference workspace = new LongByReference();
        PointerByReference executor = new PointerByReference();
        check(op + "GetWorkspaceSize", prepare.run(workspace, executor));
        Pointer created = executor.getValue();
        check("aclSetAclOpExecutorRepeatable", cann.base().aclSetAclOpExecutorRepeatable(created));
        release.push(() -> cann.base().aclDestroyAclOpExecutor(created));
        Pointer ws = workspace.getValue() > 0 ? malloc(workspace.getValue()) : null;
        check(op, launch.run(ws, workspace.getValue(), created, stream));
        check("aclrtSynchronizeStream", cann.acl().aclrtSynchronizeStream(stream));
    }

    @Override
    public void close() {
        while (!release.isEmpty()) {
            release.pop().run();
        }
    }
}
