package io.amctkit.kernels.ascend;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * CANN's operator base ({@code libnnopbase.so}): tensor descriptors and operator executors, shared by every aclnn
 * operator library. On CANN before 8.5 without its own file, the same symbols come from {@code libopapi.so}.
 */
public interface NnOpBase extends Library {

    Pointer aclCreateTensor(long[] viewDims, long viewDimsNum, int dataType, long[] stride, long offset, int format,
                            long[] storageDims, long storageDimsNum, Pointer tensorData);

    int aclDestroyTensor(Pointer tensor);

    /** Makes an executor the caller's to release with {@link #aclDestroyAclOpExecutor}, launched or not. */
    int aclSetAclOpExecutorRepeatable(Pointer executor);

    /** Releases a repeatable executor (the documented use; others are consumed by their launch). */
    int aclDestroyAclOpExecutor(Pointer executor);
}
