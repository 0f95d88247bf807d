package io.amctkit.jupyter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.amctkit.dsl.internal.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The kernel spec Jupyter finds amctkit's kernel by: {@code kernels/amctkit/kernel.json} under a Jupyter data folder,
 * naming this Java and this class path.
 */
public final class KernelSpec {

    public static final String NAME = "amctkit";

    private KernelSpec() {
    }

    /** Where {@code --user} installs: Jupyter's own user data folder (see {@link #userDataDir(Map, String)}). */
    public static Path userDataDir() {
        return userDataDir(System.getenv(), System.getProperty("user.home"));
    }

    /**
     * Jupyter's rule for its user data folder on Linux (jupyter_core's {@code jupyter_data_dir}): $JUPYTER_DATA_DIR,
     * else $XDG_DATA_HOME/jupyter, else $HOME/.local/share/jupyter. Java's {@code user.home} comes from the passwd entry,
     * which Jupyter ignores when $HOME says otherwise; it is used only when $HOME is unset.
     */
    static Path userDataDir(Map<String, String> env, String passwdHome) {
        String data = env.get("JUPYTER_DATA_DIR");
        if (data != null && !data.isBlank()) {
            return Path.of(data);
        }
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "jupyter");
        }
        String home = env.get("HOME");
        return Path.of(home != null && !home.isBlank() ? home : passwdHome, ".local", "share", "jupyter");
    }

    /** Where {@code --prefix P} installs: P/share/jupyter. */
    public static Path prefixDataDir(Path prefix) {
        return prefix.resolve("share").resolve("jupyter");
    }

    /** Writes {@code dataDir/kernels/amctkit/kernel.json}; returns the folder. */
    public static Path install(Path dataDir, String java, String classPath) throws IOException {
        Path dir = dataDir.resolve("kernels").resolve(NAME);
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve("kernel.json"), json(java, classPath), true);
        return dir;
    }

    public static boolean uninstall(Path dataDir) throws IOException {
        return io.amctkit.dsl.internal.Folders.deleteTree(dataDir.resolve("kernels").resolve(NAME));
    }

    static String json(String java, String classPath) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode spec = mapper.createObjectNode();
        ArrayNode argv = spec.putArray("argv");
        // the trap limit as the launcher sets it for kernels (see there): without it C2 may compile a SIMD kernel
        // without type speculation, in some sessions, and run it 2x slower
        for (String a : List.of(java, "--add-modules", "jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000",
                "-Djava.awt.headless=true", "-cp", classPath,
                AmctkitKernel.class.getName(), "{connection_file}")) {
            argv.add(a);
        }
        spec.put("display_name", "Java (amctkit)");
        spec.put("language", "java");
        spec.put("interrupt_mode", "message");
        return mapper.writeValueAsString(spec) + "\n";
    }

    /** This JVM's java executable. */
    public static String currentJava() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
