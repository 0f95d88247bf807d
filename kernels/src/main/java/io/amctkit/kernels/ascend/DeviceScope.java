package io.amctkit.kernels.ascend;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import io.amctkit.kernels.KernelException;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The device resources of one kernel call — a stream, device buffers, tensor descriptors, an unlaunched executor — all
 * released in reverse order on {@link #close()}, whatever path the call took. Every CANN status other than 0 becomes
 * a {@link KernelException} naming the function and the status.
 */
final class DeviceScope implements AutoCloseable {

    private final Cann cann;
    private final Deque<Runnable> release = new ArrayDeque<>();
    private Pointer stream;

    DeviceScope(Cann cann) {
        this.cann = cann;
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
        Pointer t = cann.ops().aclCreateTensor(shape, shape.length, dataType, strides, 0, OpApi.FORMAT_ND, shape, shape.length, data);
        if (t == null) {
            throw new KernelException("Ascend: aclCreateTensor returned null for shape " + java.util.Arrays.toString(shape));
        }
        release.push(() -> cann.ops().aclDestroyTensor(t));
        return t;
    }

    /** Registers an executor until it is launched (the launch consumes it). */
    Runnable pendingExecutor(Pointer executor) {
        Runnable destroy = () -> cann.ops().aclDestroyAclOpExecutor(executor);
        release.push(destroy);
        return destroy;
    }

    void launched(Runnable pending) {
        release.remove(pending);
    }

    @Override
    public void close() {
        while (!release.isEmpty()) {
            release.pop().run();
        }
    }
}
