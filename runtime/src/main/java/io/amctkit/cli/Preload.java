package io.amctkit.cli;

/**
 * Loads, on a core that is idle while the model is opened and its config resolved, the libraries a report reaches only
 * later: ND4J's native backend (before the first layer) and Tablesaw's table class, whose static set-up scans the class
 * path (after the last). About a second of a report's start-up and end, run alongside instead of in line; a command
 * that reaches them first simply waits for the load in progress (the JVM's class initialisation).
 */
final class Preload {

    private Preload() {
    }

    /** Starts the loading in a daemon thread; failures are left for the command to meet and report itself. */
    static void start() {
        Thread t = new Thread(() -> {
            try {
                io.amctkit.kernels.Tensors.newFloat32(1).close();
                Class.forName("tech.tablesaw.api.Table");
            } catch (Throwable ignored) {
                // the command that needs the library fails with its own, clearer error
            }
        }, "amctkit-preload");
        t.setDaemon(true);
        t.start();
    }
}
