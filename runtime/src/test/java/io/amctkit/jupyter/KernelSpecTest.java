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
}
