package io.amctkit.jupyter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.amctkit.dsl.internal.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * The kernel spec Jupyter finds amctkit's kernel by: {@code kernels/amctkit/kernel.json} under a Jupyter data folder,
 * naming this Java and this class path.
 */
public final class KernelSpec {

    public static final String NAME = "amctkit";

    private KernelSpec() {
    }

    /** Where {@code --user} installs: $JUPYTER_DATA_DIR, else ~/.local/share/jupyter. */
    public static Path userDataDir() {
        String env = System.getenv("JUPYTER_DATA_DIR");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".local", "share", "jupyter");
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
        Path dir = dataDir.resolve("kernels").resolve(NAME);
        if (!Files.exists(dir)) {
            return false;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        return true;
    }

    static String json(String java, String classPath) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode spec = mapper.createObjectNode();
        ArrayNode argv = spec.putArray("argv");
        for (String a : List.of(java, "--add-modules", "jdk.incubator.vector", "-Djava.awt.headless=true", "-cp", classPath,
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
