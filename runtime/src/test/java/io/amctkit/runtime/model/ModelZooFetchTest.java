package io.amctkit.runtime.model;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fetching into an empty cache: from npm (integrity checked) and from the class path (Maven Central's jar). */
@Tag("real-model")
class ModelZooFetchTest {

    @TempDir
    Path cache;

    @Test
    void fetchesVerifiesAndCachesAnNpmModel() throws IOException {
        ModelZoo zoo = new ModelZoo(cache);
        Path file = zoo.resolve("zoo:openwakeword");
        assertEquals(cache.resolve("models/openwakeword/hello_deepa.onnx"), file);
        assertEquals(316022, Files.size(file));
        long modified = Files.getLastModifiedTime(file).toMillis();
        assertEquals(file, zoo.resolve("zoo:openwakeword"), "second call uses the cache");
        assertEquals(modified, Files.getLastModifiedTime(file).toMillis());
        try (var files = Files.walk(cache)) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".part")), "no partial files left");
        }
    }

    @Test
    void aTarballWithTheWrongIntegrityIsRefused() {
        ModelZoo zoo = new ModelZoo(cache);
        ModelZoo.Entry tampered = new ModelZoo.Entry("tampered", "hello_deepa.onnx", "test", "Apache-2.0",
                new ModelZoo.Npm("openwakeword-js", "0.1.27", "package/models/hello_deepa.onnx", "sha512-AAAA"));
        ModelException e = assertThrows(ModelException.class, () -> zoo.fetch(tampered));
        assertTrue(e.getMessage().contains("not the pinned sha512-AAAA"), e.getMessage());
        assertFalse(Files.exists(cache.resolve("models/tampered/hello_deepa.onnx")));
    }

    @Test
    void theBundledMiniLmComesFromTheClassPath() throws IOException {
        Path file = new ModelZoo(cache).resolve("zoo:minilm");
        assertEquals(90387606, Files.size(file));
    }

    @Test
    void anUnknownZooModelListsTheKnownOnes() {
        ModelException e = assertThrows(ModelException.class, () -> new ModelZoo(cache).resolve("zoo:resnet"));
        assertTrue(e.getMessage().contains("minilm, fashion-cnn, paddleocr-det"), e.getMessage());
    }

    @Test
    void theBundledFashionCnnComesFromTheClassPath() throws Exception {
        Path file = new ModelZoo(cache).resolve("zoo:fashion-cnn");
        try (var m = Models.open(file)) {
            assertEquals(java.util.List.of("conv1", "conv2", "conv3", "fc1", "fc2"), m.layers().stream().map(ModelLayer::name).toList());
        }
    }
}
