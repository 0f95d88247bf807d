package io.amctkit.kernels.ascend;

import io.amctkit.kernels.Backend;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.cpu.CpuBackend;

/**
 * Huawei Ascend NPUs through CANN's aclnn API (JNA), preferred over the CPU when usable: found through
 * {@code ASCEND_HOME_PATH} or the library path, usable when CANN initialises and reports a device. Small tensors (below
 * {@code -Damctkit.ascend.minElements}, default {@value #DEFAULT_MIN_ELEMENTS}) stay on the CPU.
 */
public final class AscendBackend implements Backend {

    /** Below this many elements a kernel call stays on the host: see docs/ascend.md for how it was chosen. */
    public static final long DEFAULT_MIN_ELEMENTS = 262_144;

    private final Cann.Found found;

    public AscendBackend() {
        this.found = Cann.locate();
    }

    @Override
    public String name() {
        return "ascend";
    }

    @Override
    public int rank() {
        return 10;
    }

    @Override
    public Availability availability() {
        return found.cann().isPresent() ? Availability.usable(found.detail()) : Availability.unusable(found.detail());
    }

    @Override
    public Kernels kernels(int threads) {
        Cann cann = found.cann().orElseThrow(() -> new IllegalStateException("the Ascend backend is unusable: " + found.detail()));
        long min = Long.getLong("amctkit.ascend.minElements", DEFAULT_MIN_ELEMENTS);
        int device = Integer.getInteger("amctkit.ascend.device", 0);
        return new AscendKernels(cann, new CpuBackend().kernels(threads), min, device);
    }
}
