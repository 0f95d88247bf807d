package io.amctkit.dsl.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing a folder and everything in it (temporary work folders, an uninstalled kernel spec). */
public final class Folders {

    private Folders() {
    }

    /** Deletes {@code root} and all it holds, deepest first; returns false when there was nothing to delete. */
    public static boolean deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return false;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        return true;
    }
}
