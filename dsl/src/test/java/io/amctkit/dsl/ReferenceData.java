package io.amctkit.dsl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where the tests find AMCT's reference data (../shared/reference beside the checkout; set by the build). */
final class ReferenceData {

    private ReferenceData() {
    }

    static Path dir() {
        Path dir = Path.of(System.getProperty("amctkit.reference", "../../shared/reference"));
        if (!Files.isDirectory(dir.resolve("cfg"))) {
            throw new IllegalStateException("AMCT reference data not found at " + dir.toAbsolutePath()
                    + "; it must lie in ../shared/reference beside the checkout (or set -Damctkit.reference)");
        }
        return dir;
    }

    static List<Path> cfgFiles() {
        try (Stream<Path> files = Files.list(dir().resolve("cfg"))) {
            return files.filter(p -> p.toString().endsWith(".cfg")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
