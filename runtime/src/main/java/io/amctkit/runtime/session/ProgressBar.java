package io.amctkit.runtime.session;

import java.io.PrintWriter;

/**
 * A one-line progress bar redrawn with {@code \r}: on a terminal's stderr (the CLI) or a notebook's output, which
 * renders carriage returns the same way. Silent when disabled (output that is not a terminal).
 */
public final class ProgressBar implements Session.Progress {

    private final PrintWriter err;
    private final boolean enabled;
    private boolean drawn;

    public ProgressBar(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    @Override
    public void layerDone(int done, int total, String layer) {
        if (!enabled) {
            return;
        }
        int width = 30;
        int filled = total == 0 ? width : done * width / total;
        String name = layer.length() > 40 ? "…" + layer.substring(layer.length() - 39) : layer;
        err.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total + " " + name + "\u001b[K");
        err.flush();
        drawn = true;
    }

    /** A bar on {@code out} (e.g. {@code System.out} in a notebook). */
    public static ProgressBar on(java.io.PrintStream out) {
        return new ProgressBar(new PrintWriter(out, true), true);
    }

    /** Clears the bar's line. */
    public void finish() {
        if (drawn) {
            err.print("\r\u001b[K");
            err.flush();
        }
    }
}
