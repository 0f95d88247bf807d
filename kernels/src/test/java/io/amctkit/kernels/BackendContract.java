package io.amctkit.kernels;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The backend contract suite's plumbing: every reference case runs on every usable backend found by the SPI (the
 * emulated Ascend backend joins here when its library is present).
 */
final class BackendContract {

    private static final Map<String, Kernels> KERNELS = new ConcurrentHashMap<>();

    private BackendContract() {
    }

    /** Closes every backend's kernels (the suite's end), so that a leak check sees what they left. */
    static void closeAll() {
        KERNELS.values().forEach(Kernels::close);
        KERNELS.clear();
    }

    static Kernels kernels(String backend) {
        return KERNELS.computeIfAbsent(backend, name -> Backends.discovered().stream()
                .filter(b -> b.name().equals(name)).findFirst().orElseThrow().kernels(2));
    }
}
