package io.amctkit.kernels;

/** Says which inner loops the CPU kernels run in this JVM (SIMD through the Vector API, or scalar) and how to change it. */
public final class SimdSupport {

    private SimdSupport() {
    }

    /** e.g. "SIMD (jdk.incubator.vector, 512-bit float vectors)". */
    public static String describe() {
        return Lanes.best().describe();
    }
}
