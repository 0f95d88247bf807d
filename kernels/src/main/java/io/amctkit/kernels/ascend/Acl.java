package io.amctkit.kernels.ascend;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/** The part of CANN's runtime ({@code libascendcl.so}) the Ascend backend calls, bound with JNA. */
public interface Acl extends Library {

    int aclInit(String configPath);

    int aclFinalize();

    int aclrtSetDevice(int deviceId);

    int aclrtResetDevice(int deviceId);

    /** Creates a context on a device and makes it the calling thread's current one. */
    int aclrtCreateContext(PointerByReference context, int deviceId);

    /** Makes {@code context} the calling thread's current context (a context belongs to no thread by itself). */
    int aclrtSetCurrentContext(Pointer context);

    int aclrtDestroyContext(Pointer context);

    int aclrtGetDeviceCount(IntByReference count);

    int aclrtCreateStream(PointerByReference stream);

    int aclrtDestroyStream(Pointer stream);

    int aclrtSynchronizeStream(Pointer stream);

    int aclrtMalloc(PointerByReference devPtr, long size, int policy);

    int aclrtFree(Pointer devPtr);

    int aclrtMemcpy(Pointer dst, long destMax, Pointer src, long count, int kind);

    /** aclrtMemcpyKind. */
    int MEMCPY_HOST_TO_DEVICE = 1;
    int MEMCPY_DEVICE_TO_HOST = 2;
    /** aclrtMemMallocPolicy ACL_MEM_MALLOC_HUGE_FIRST. */
    int MALLOC_HUGE_FIRST = 0;
}
