package io.amctkit.jupyter;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import io.github.spencerpark.jupyter.kernel.LanguageInfo;
import io.github.spencerpark.jupyter.kernel.ReplacementOptions;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;

import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * amctkit's Jupyter kernel: Java cells evaluated by JShell in the kernel's JVM (IJava's approach, on IJava's base
 * library), amctkit's imports loaded, rich display of its values ({@link Displays}), a {@code %jars PATH...} magic, and
 * JShell's diagnostics as the cell's error.
 */
public final class AmctkitKernel extends BaseKernel {

    private final Evaluator evaluator;
    private final LanguageInfo language;

    public AmctkitKernel() {
        this.evaluator = new Evaluator(new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true),
                new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true));
        this.language = new LanguageInfo.Builder("java").version(Runtime.version().toString()).mimetype("text/x-java-source")
                .fileExtension(".jshell").pygments("java").codemirror("text/x-java").build();
        Displays.register(getRenderer());
    }

    @Override
    public LanguageInfo getLanguageInfo() {
        return language;
    }

    @Override
    public String getBanner() {
        return "amctkit " + Runtime.version() + " — Java with amctkit's DSL, models, kernels and reports";
    }

    @Override
    public DisplayData eval(String code) throws Exception {
        String body = magics(code);
        Optional<Object> value = evaluator.eval(body);
        if (value.isEmpty()) {
            return null;
        }
        return value.get() == null ? new DisplayData("null") : getRenderer().render(value.get());
    }

    /** Handles leading {@code %jars PATH...} lines; returns the rest of the cell. */
    private String magics(String code) {
        List<String> rest = new ArrayList<>();
        for (String line : code.split("\n", -1)) {
            String t = line.strip();
            if (t.startsWith("%jars ") || t.startsWith("%classpath ")) {
                for (String p : t.substring(t.indexOf(' ') + 1).trim().split("\\s+")) {
                    addPath(Path.of(p));
                }
                rest.add("");
            } else {
                rest.add(line);
            }
        }
        return String.join("\n", rest);
    }

    private void addPath(Path p) {
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("%jars: no such file or folder: " + p);
        }
        evaluator.addToClasspath(p.toAbsolutePath().toString());
        if (Files.isDirectory(p)) {
            File[] jars = p.toFile().listFiles((d, n) -> n.endsWith(".jar"));
            if (jars != null) {
                for (File jar : jars) {
                    evaluator.addToClasspath(jar.getAbsolutePath());
                }
            }
        }
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        return evaluator.complete(code, at);
    }

    @Override
    public List<String> formatError(Exception e) {
        if (e instanceof Evaluator.CellException) {
            return List.of(errorStyler.primary(e.getMessage()));
        }
        return super.formatError(e);
    }

    @Override
    public void onShutdown(boolean restart) {
        evaluator.close();
    }

    /** Starts the kernel on a Jupyter connection file (Jupyter passes it as the only argument). */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: AmctkitKernel CONNECTION_FILE (Jupyter starts this through the kernel spec)");
            System.exit(2);
        }
        java.util.logging.Logger.getLogger("io.github.spencerpark").setLevel(java.util.logging.Level.WARNING);
        KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
        JupyterConnection connection = new JupyterConnection(props);
        AmctkitKernel kernel = new AmctkitKernel();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
    }
}
