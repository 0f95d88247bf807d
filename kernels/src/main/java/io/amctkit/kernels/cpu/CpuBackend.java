package io.amctkit.kernels.cpu;

import io.amctkit.kernels.Backend;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.SimdSupport;

/** The default backend: fused single-pass Java loops over ND4J's float buffers, on every core. Always usable. */
public final class CpuBackend implements Backend {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public Availability availability() {
        return Availability.usable(Runtime.getRuntime().availableProcessors() + " cores, Java "
                + Runtime.version() + ", " + System.getProperty("os.arch")
                + "; inner loops: " + SimdSupport.describe());
    }

    @Override
    public Kernels kernels(int threads) {
        return new CpuKernels(threads);
    }
}
