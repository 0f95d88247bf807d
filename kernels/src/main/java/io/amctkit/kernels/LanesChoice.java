package io.amctkit.kernels;

/** Picks the {@link Lanes} once per JVM: the Vector API loops when {@code jdk.incubator.vector} is resolved. */
final class LanesChoice {

    static final String VECTOR_MODULE = "jdk.incubator.vector";

    static final Lanes BEST = choose();

    private LanesChoice() {
    }

    private static Lanes choose() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            return ScalarLanes.INSTANCE;
        }
        try {
            return (Lanes) Class.forName("io.amctkit.kernels.VectorLanes").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return ScalarLanes.INSTANCE;
        }
    }
}
