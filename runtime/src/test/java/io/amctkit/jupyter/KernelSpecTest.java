package io.amctkit.jupyter;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where {@code jupyter install --user} writes: the folder Jupyter itself reads, by its own precedence. */
class KernelSpecTest {

    @Test
    void userDataDirFollowsJupytersPrecedence() {
        String passwd = "/home/passwd";
        assertEquals(Path.of("/data/jupyter"), KernelSpec.userDataDir(Map.of("JUPYTER_DATA_DIR", "/data/jupyter", "XDG_DATA_HOME", "/xdg",
                "HOME", "/h"), passwd));
        assertEquals(Path.of("/xdg/jupyter"), KernelSpec.userDataDir(Map.of("XDG_DATA_HOME", "/xdg", "HOME", "/h"), passwd));
        assertEquals(Path.of("/h/.local/share/jupyter"), KernelSpec.userDataDir(Map.of("HOME", "/h"), passwd),
                "$HOME, not the passwd entry Java's user.home reads");
        assertEquals(Path.of("/home/passwd/.local/share/jupyter"), KernelSpec.userDataDir(Map.of(), passwd));
        assertEquals(Path.of("/h/.local/share/jupyter"), KernelSpec.userDataDir(Map.of("JUPYTER_DATA_DIR", " ", "HOME", "/h"), passwd),
                "a blank variable counts as unset");
    }

    @Test
    void theKernelStartsItsJvmAsTheLauncherStartsOneThatRunsKernels() throws Exception {
        var spec = new com.fasterxml.jackson.databind.ObjectMapper().readTree(KernelSpec.json("/opt/jdk/bin/java", "/cp/a.jar"));
        java.util.List<String> argv = new java.util.ArrayList<>();
        spec.get("argv").forEach(a -> argv.add(a.asText()));
        assertEquals("/opt/jdk/bin/java", argv.get(0));
        assertEquals("jdk.incubator.vector", argv.get(argv.indexOf("--add-modules") + 1), "the Vector API the kernels use");
        org.junit.jupiter.api.Assertions.assertTrue(argv.contains("-XX:PerMethodTrapLimit=10000"),
                "C2's trap limit raised, as in the launcher, so SIMD kernels keep their type speculation: " + argv);
        String launcher = java.nio.file.Files.readString(Path.of("..", "amctkit"));
        org.junit.jupiter.api.Assertions.assertTrue(launcher.contains("kernels_jit=\"-XX:PerMethodTrapLimit=10000\""),
                "the launcher sets the same limit for the commands that run kernels");
        assertEquals("/cp/a.jar", argv.get(argv.indexOf("-cp") + 1));
        assertEquals("{connection_file}", argv.get(argv.size() - 1), "Jupyter substitutes the last argument");
    }
}
