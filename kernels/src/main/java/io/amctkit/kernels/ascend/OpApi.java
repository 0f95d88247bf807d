package io.amctkit.kernels.ascend;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The aclnn operators the Ascend backend uses ({@code libopapi_nn.so} on CANN 8.5+, {@code libopapi.so} before), two-phase
 * as ascend-ops.md §3 documents them. Tensor descriptors and executors are {@link NnOpBase}'s.
 */
public interface OpApi extends Library {

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
    /** aclDataType codes. */
    int FLOAT = 0;
    int INT8 = 2;
    int INT32 = 3;
    int BOOL = 12;
    /** aclFormat ACL_FORMAT_ND. */
    int FORMAT_ND = 2;
}
