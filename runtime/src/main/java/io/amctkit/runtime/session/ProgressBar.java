package io.amctkit.runtime.session;

import java.io.PrintWriter;

/**
 * A one-line progress bar redrawn with {@code \r}: on a terminal's stderr (the CLI) or a notebook's output, which
 * renders carriage returns the same way. Silent when disabled (output that is not a terminal).
 */
public final class ProgressBar implements Session.Progress {

    private final PrintWriter err;
    private final boolean enabled;
    private final java.util.function.Function<String, String> where;
    private boolean drawn;

    public ProgressBar(PrintWriter err, boolean enabled) {
        this(err, enabled, layer -> "");
    }

    private ProgressBar(PrintWriter err, boolean enabled, java.util.function.Function<String, String> where) {
        this.err = err;
        this.enabled = enabled;
        this.where = where;
    }

    /**
     * This bar naming, before each layer, the file it comes from when {@code model} spans several: "shard 2/4" for a
     * checkpoint's {@code model-00002-of-00004.safetensors}, else the file's name.
     */
    public ProgressBar showingShards(io.amctkit.runtime.model.Model model) {
        java.util.Map<String, String> labels = new java.util.HashMap<>();
        for (io.amctkit.runtime.model.ModelLayer layer : model.layers()) {
            model.origin(layer).ifPresent(file -> labels.put(layer.name(), shardLabel(file.getFileName().toString())));
        }
        return new ProgressBar(err, enabled, layer -> labels.getOrDefault(layer, ""));
    }

    /** "shard K/N" for Hugging Face's {@code model-0000K-of-0000N.safetensors}, else the name itself. */
    static String shardLabel(String fileName) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(".*-0*(\\d+)-of-0*(\\d+)\\.safetensors").matcher(fileName);
        return m.matches() ? "shard " + m.group(1) + "/" + m.group(2) : fileName;
    }

    @Override
    public void layerDone(int done, int total, String layer) {
        if (!enabled) {
            return;
        }
        String shard = where.apply(layer);
        int width = shard.isEmpty() ? 30 : 24;   // with the shard named, the line still fits 80 columns
        int filled = total == 0 ? width : done * width / total;
        int room = shard.isEmpty() ? 40 : Math.max(16, 46 - shard.length() - 1);
        String name = layer.length() > room ? "…" + layer.substring(layer.length() - room + 1) : layer;
        err.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total + " "
                + (shard.isEmpty() ? "" : shard + " ") + name + "\u001b[K");
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
