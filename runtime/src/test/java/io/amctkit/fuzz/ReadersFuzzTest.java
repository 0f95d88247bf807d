package io.amctkit.fuzz;

import io.amctkit.dsl.CfgException;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.runtime.InvalidInputException;
import io.amctkit.runtime.LayerManifest;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.ModelException;
import io.amctkit.runtime.model.ModelLayer;
import io.amctkit.runtime.model.Models;
import io.amctkit.runtime.model.TensorInfo;
import io.amctkit.runtime.model.torch.StateDictPickle;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Property-based fuzzing (jqwik) of every reader that takes a file from a stranger: the {@code .cfg} parser and
 * validator, the layer-manifest reader, ONNX, safetensors, PyTorch checkpoints and the pickle reader itself. Inputs are
 * real files ({@link FuzzCorpus}) mutated — bits flipped, bytes overwritten with boundary integers, spans deleted or
 * repeated, format tokens inserted or repeated thousands of times — and random bytes. Each input must be read or
 * refused with amctkit's own error naming the file, within {@link #TIME} and allocating at most {@link #ALLOCATION}
 * bytes on the reading thread. The suite runs a few hundred inputs per reader; {@code -Djqwik.tries.default=N} runs
 * more (docs/robustness.md).
 */
class ReadersFuzzTest {

    /** The bounds stated up front: time per input, and bytes allocated per input (heap, on the reading thread). */
    static final Duration TIME = Duration.ofSeconds(2);
    static final long ALLOCATION = 64L << 20;

    private static final ExecutorService READER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzzed-reader");
        t.setDaemon(true);
        return t;
    });

    @AfterContainer
    static void stop() {
        READER.shutdownNow();
    }

    /** One reader under test: reads {@code file} completely, or throws its own error. */
    enum Reader {
        CFG(".cfg") {
            @Override
            void read(Path file) {
                try {
                    RetrainConfig.read(file).validate();
                } catch (CfgException e) {
                    named(file, e.diagnostics().isEmpty() ? e.getMessage() : e.diagnostics().get(0).format(file.toString()));
                }
            }
        },
        MANIFEST(".json") {
            @Override
            void read(Path file) throws IOException {
                try {
                    LayerManifest.read(file);
                } catch (InvalidInputException e) {
                    named(file, e.getMessage());
                }
            }
        },
        ONNX(".onnx"), SAFETENSORS(".safetensors"), TORCH(".pt"),
        PICKLE(".pkl") {
            @Override
            void read(Path file) throws IOException {
                try {
                    StateDictPickle.load(Files.readAllBytes(file));
                } catch (StateDictPickle.PickleException e) {
                    assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
                }
            }
        };

        final String suffix;

        Reader(String suffix) {
            this.suffix = suffix;
        }

        /** Models: open, list the layers and read every weight of every layer. */
        void read(Path file) throws IOException {
            try (Model m = Models.open(file)) {
                for (ModelLayer l : m.layers()) {
                    for (TensorInfo t : l.weights()) {
                        m.read(t);
                    }
                }
            } catch (ModelException e) {
                named(file, e.getMessage());
            }
        }

        static void named(Path file, String message) {
            assertTrue(message.startsWith(file.toString()), "the error must name the file: " + message);
        }
    }

    @Property
    void cfgParserAndValidator(@ForAll("cfgInputs") byte[] input) {
        check(Reader.CFG, input);
    }

    @Property
    void layerManifestReader(@ForAll("manifestInputs") byte[] input) {
        check(Reader.MANIFEST, input);
    }

    @Property
    void onnxReader(@ForAll("onnxInputs") byte[] input) {
        check(Reader.ONNX, input);
    }

    @Property
    void safetensorsReader(@ForAll("safetensorsInputs") byte[] input) {
        check(Reader.SAFETENSORS, input);
    }

    @Property
    void torchCheckpointReader(@ForAll("torchInputs") byte[] input) {
        check(Reader.TORCH, input);
    }

    @Property
    void pickleReader(@ForAll("pickleInputs") byte[] input) {
        check(Reader.PICKLE, input);
    }

    /** Every input that once broke a reader (fuzz/crashers/READER/*), kept as a regression test. */
    @Test
    void everyCrasherFoundStaysFixed() throws IOException {
        for (Reader r : Reader.values()) {
            for (byte[] crasher : FuzzCorpus.crashers(r.name().toLowerCase(java.util.Locale.ROOT))) {
                check(r, crasher);
            }
        }
    }

    @Provide
    Arbitrary<byte[]> cfgInputs() {
        return inputs(Reader.CFG, FuzzCorpus.cfg(), FuzzCorpus.TEXT_TOKENS);
    }

    @Provide
    Arbitrary<byte[]> manifestInputs() {
        return inputs(Reader.MANIFEST, FuzzCorpus.manifests(), FuzzCorpus.JSON_TOKENS);
    }

    @Provide
    Arbitrary<byte[]> onnxInputs() {
        return inputs(Reader.ONNX, FuzzCorpus.onnx(), FuzzCorpus.BINARY_TOKENS);
    }

    @Provide
    Arbitrary<byte[]> safetensorsInputs() {
        return inputs(Reader.SAFETENSORS, FuzzCorpus.safetensors(), FuzzCorpus.JSON_TOKENS);
    }

    @Provide
    Arbitrary<byte[]> torchInputs() {
        return inputs(Reader.TORCH, FuzzCorpus.torch(), FuzzCorpus.BINARY_TOKENS);
    }

    @Provide
    Arbitrary<byte[]> pickleInputs() {
        return inputs(Reader.PICKLE, FuzzCorpus.pickles(), FuzzCorpus.PICKLE_TOKENS);
    }

    /** Mostly mutants of the seeds, some random bytes; the seeds are read once first to warm the reader up. */
    static Arbitrary<byte[]> inputs(Reader reader, List<byte[]> seeds, List<byte[]> tokens) {
        seeds.forEach(s -> check(reader, s, Duration.ofSeconds(60)));
        Arbitrary<Mutation> mutation = Combinators.combine(Arbitraries.integers().between(0, Mutation.KINDS - 1),
                Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(1, 4096),
                Arbitraries.integers().between(0, tokens.size() - 1), Arbitraries.integers().between(0, 255))
                .as(Mutation::new);
        Arbitrary<byte[]> mutants = Combinators.combine(Arbitraries.integers().between(0, seeds.size() - 1),
                mutation.list().ofMinSize(1).ofMaxSize(6)).as((i, ops) -> Mutation.apply(seeds.get(i), ops, tokens));
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(4096);
        return Arbitraries.frequencyOf(Tuple.of(9, mutants), Tuple.of(1, random));
    }

    static void check(Reader reader, byte[] input) {
        check(reader, input, TIME);
    }

    /** Reads {@code input} as a file on the reader thread: refused cleanly or read, in time, within the allocation bound. */
    static void check(Reader reader, byte[] input, Duration time) {
        Path file;
        try {
            file = Files.createTempFile("fuzz", reader.suffix);
            Files.write(file, input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Future<Long> run = READER.submit(() -> {
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            reader.read(file);
            return threads.getCurrentThreadAllocatedBytes() - before;
        });
        try {
            long allocated = run.get(time.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(allocated <= ALLOCATION, reader + " allocated " + allocated + " bytes for a " + input.length
                    + "-byte input (bound " + ALLOCATION + ")");
        } catch (TimeoutException e) {
            run.cancel(true);
            fail(reader + " took longer than " + time + " on a " + input.length + "-byte input");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AssertionError a) {
                throw a;
            }
            throw new AssertionError(reader + " threw " + cause + " instead of its own error", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    /** One change to a seed; {@code at} and {@code span} are relative so that they fit any seed. */
    record Mutation(int kind, double at, int span, int token, int value) {
        static final int KINDS = 8;
        private static final long[] BOUNDARIES = {0, -1, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffffL, 0x80000000L,
                0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40, 1L << 62};

        static byte[] apply(byte[] seed, List<Mutation> ops, List<byte[]> tokens) {
            byte[] b = seed.clone();
            for (Mutation m : ops) {
                b = m.apply(b, tokens);
            }
            return b;
        }

        byte[] apply(byte[] b, List<byte[]> tokens) {
            int pos = b.length == 0 ? 0 : (int) Math.min(b.length - 1, Math.floor(at * b.length));
            int len = Math.min(span, b.length - pos);
            switch (kind) {
                case 0 -> {                                          // flip one bit
                    if (b.length > 0) {
                        b[pos] ^= (byte) (1 << (value & 7));
                    }
                    return b;
                }
                case 1 -> {                                          // a boundary integer, little-endian
                    long v = BOUNDARIES[value % BOUNDARIES.length];
                    int width = 1 << (value % 4);
                    for (int i = 0; i < width && pos + i < b.length; i++) {
                        b[pos + i] = (byte) (v >>> (8 * i));
                    }
                    return b;
                }
                case 2 -> {                                          // delete a span
                    return concat(java.util.Arrays.copyOf(b, pos), java.util.Arrays.copyOfRange(b, pos + len, b.length));
                }
                case 3 -> {                                          // repeat a span
                    byte[] part = java.util.Arrays.copyOfRange(b, pos, pos + len);
                    return concat(java.util.Arrays.copyOf(b, pos + len), concat(part, java.util.Arrays.copyOfRange(b, pos, b.length)));
                }
                case 4 -> {                                          // insert a token
                    return concat(java.util.Arrays.copyOf(b, pos), concat(tokens.get(token), java.util.Arrays.copyOfRange(b, pos, b.length)));
                }
                case 5 -> {                                          // a token repeated (nesting and length bombs)
                    byte[] t = tokens.get(token);
                    byte[] many = new byte[t.length * Math.min(span, 20_000 / Math.max(1, t.length))];
                    for (int i = 0; i < many.length; i++) {
                        many[i] = t[i % t.length];
                    }
                    return concat(java.util.Arrays.copyOf(b, pos), concat(many, java.util.Arrays.copyOfRange(b, pos, b.length)));
                }
                case 6 -> {                                          // truncate
                    return java.util.Arrays.copyOf(b, pos);
                }
                default -> {                                         // overwrite a byte
                    if (b.length > 0) {
                        b[pos] = (byte) value;
                    }
                    return b;
                }
            }
        }

        private static byte[] concat(byte[] a, byte[] c) {
            byte[] out = java.util.Arrays.copyOf(a, a.length + c.length);
            System.arraycopy(c, 0, out, a.length, c.length);
            return out;
        }
    }

    /** Text as UTF-8 bytes, for tokens. */
    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<byte[]> all(String... tokens) {
        List<byte[]> out = new ArrayList<>();
        for (String t : tokens) {
            out.add(utf8(t));
        }
        return out;
    }
}
