package io.amctkit.cli;

import io.amctkit.runtime.session.Session;

import java.io.PrintWriter;

/** A one-line progress bar on stderr for a terminal ({@code \r}-redrawn); silent when stderr is not a terminal. */
final class ProgressBar implements Session.Progress {

    private final PrintWriter err;
    private final boolean enabled;
    private boolean drawn;

    ProgressBar(PrintWriter err, boolean enabled) {
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

    void finish() {
        if (drawn) {
            err.print("\r\u001b[K");
            err.flush();
        }
    }
}
