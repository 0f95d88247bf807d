package io.amctkit.kernels.ascend;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/** The aclnn operators ({@code libopapi.so}) the Ascend backend uses, two-phase as ascend-ops.md §3 documents them. */
public interface OpApi extends Library {

    Pointer aclCreateTensor(long[] viewDims, long viewDimsNum, int dataType, long[] stride, long offset, int format,
                            long[] storageDims, long storageDimsNum, Pointer tensorData);

    int aclDestroyTensor(Pointer tensor);

    int aclnnFakeQuantPerChannelAffineCachemaskGetWorkspaceSize(Pointer self, Pointer scale, Pointer zeroPoint, long axis,
                                                               long quantMin, long quantMax, Pointer out, Pointer mask,
                                                               LongByReference workspaceSize, PointerByReference executor);

    int aclnnFakeQuantPerChannelAffineCachemask(Pointer workspace, long workspaceSize, Pointer executor, Pointer stream);

    int aclnnFakeQuantPerTensorAffineCachemaskGetWorkspaceSize(Pointer self, Pointer scale, Pointer zeroPoint,
                                                              float fakeQuantEnabled, long quantMin, long quantMax,
                                                              Pointer out, Pointer mask, LongByReference workspaceSize,
                                                              PointerByReference executor);

    int aclnnFakeQuantPerTensorAffineCachemask(Pointer workspace, long workspaceSize, Pointer executor, Pointer stream);

    int aclnnAscendQuantV3GetWorkspaceSize(Pointer x, Pointer scale, Pointer offset, boolean sqrtMode, String roundMode,
                                           int dstType, int axis, Pointer y, LongByReference workspaceSize,
                                           PointerByReference executor);

    int aclnnAscendQuantV3(Pointer workspace, long workspaceSize, Pointer executor, Pointer stream);

    /** Frees an executor whose operator was never launched (a launch consumes it). */
    int aclDestroyAclOpExecutor(Pointer executor);

    /** aclDataType codes. */
    int FLOAT = 0;
    int INT8 = 2;
    int INT32 = 3;
    int BOOL = 12;
    /** aclFormat ACL_FORMAT_ND. */
    int FORMAT_ND = 2;
}
