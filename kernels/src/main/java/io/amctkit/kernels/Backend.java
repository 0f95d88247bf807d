package io.amctkit.kernels;

/**
 * A place to run the kernels (the CPU, an Ascend NPU), found by {@link java.util.ServiceLoader} and chosen by
 * {@link Backends}: like DJL's {@code Engine}, it says whether it can run here and why not.
 */
public interface Backend {

    /** Short name used to select it: {@code cpu}, {@code ascend}. */
    String name();

    /** Preference when several are usable: the highest usable rank wins. */
    int rank();

    /** Whether it can run on this machine, and what was found or missing. */
    Availability availability();

    /** Its kernels, running on {@code threads} host threads where the host computes. */
    Kernels kernels(int threads);

    /** Whether a backend can run here, with the evidence (library paths, versions, device count) or the reason not. */
    record Availability(boolean usable, String detail) {
        public static Availability usable(String detail) {
            return new Availability(true, detail);
        }

        public static Availability unusable(String reason) {
            return new Availability(false, reason);
        }
    }
}
