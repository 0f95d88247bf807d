package io.amctkit.runtime.session;

import com.google.protobuf.TextFormat;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.runtime.prune.FilterPruning;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * record.txt written while its session runs, for a session whose record has no quantization entries (2:4 and filter
 * pruning alone: an LLM's sparsity report): its filter-prune records first, then each 2:4 layer's prune_record as soon as
 * the layer is done, by a writer thread, so that formatting gigabytes of mask values and writing them to disk overlap the
 * reading and the kernels of the layers after it. The text is {@link RecordFile#write}'s, byte for byte; the file appears
 * atomically after the session ends ({@link StreamedRecord#await}), and not at all if the session fails.
 */
final class RecordStream implements AutoCloseable {

    /** A 2:4 layer's record, or the end (a null layer). */
    private record Entry(String layer, long[] maskShape, long[] words, boolean commit) {
    }

    private final Path file;
    /** Layers waiting for the writer: two at most, so that a slow disk holds the session back instead of filling memory. */
    private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(2);
    private final Thread writer;
    private volatile Throwable failed;
    private boolean ended;

    private RecordStream(Path file, FilterPruning pruning) {
        this.file = file;
        this.writer = new Thread(() -> {
            try {
                io.amctkit.dsl.internal.AtomicFiles.writeLarge(file, out -> {
                    TextFormat.Printer printer = TextFormat.printer();
                    RecordFile.writeFilterRecords(printer, pruning, out);
                    while (true) {
                        Entry e = take();
                        if (e.layer() == null) {
                            if (!e.commit()) {
                                throw new IOException("the session stopped before its last layer; record not written");
                            }
                            break;
                        }
                        RecordFile.writeSelective(printer, e.layer(), e.maskShape(), e.words(), out);
                    }
                    out.flush();
                }, true);
            } catch (Throwable t) {
                failed = t;
                queue.clear();   // a session waiting to add is let through; it sees the failure next
            }
        }, "amctkit-record-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * A stream writing {@code file} for a session of {@code resolution} and {@code pruning}, when its record has no
     * quantization entries (they would come first, and are known only at the end); otherwise empty.
     */
    static Optional<RecordStream> open(Path file, Resolution resolution, FilterPruning pruning) throws IOException {
        boolean quantizes = resolution.plans().stream().anyMatch(p -> p.quant().filter(QuantPlan::enabled).isPresent());
        if (quantizes) {
            return Optional.empty();
        }
        Path folder = file.toAbsolutePath().getParent();
        if (folder != null) {
            java.nio.file.Files.createDirectories(folder);
        }
        return Optional.of(new RecordStream(file, pruning));
    }

    /** Queues one 2:4 layer's record (its packed mask words, owned by the stream from now on). */
    void add(String layer, long[] maskShape, long[] words) throws IOException {
        put(new Entry(layer, maskShape.clone(), words, false));
    }

    /**
     * Ends the record: the writer formats what is queued, flushes the file to disk and moves it into place while the
     * caller goes on; {@link StreamedRecord#await} waits for that.
     */
    StreamedRecord end() throws IOException {
        ended = true;
        put(new Entry(null, null, null, true));
        return new StreamedRecord(file, this::awaitWritten);
    }

    private Path awaitWritten() throws IOException {
        join();
        if (failed != null) {
            throw failed instanceof IOException io ? io : new IOException("writing " + file + ": " + failed, failed);
        }
        return file;
    }

    /** Without {@link #end}: stops the writer, which leaves no file (after it, nothing: the writer finishes). */
    @Override
    public void close() {
        if (!ended) {
            ended = true;
            queue.clear();
            queue.offer(new Entry(null, null, null, false));
            join();
        }
    }

    private void put(Entry e) throws IOException {
        try {
            while (failed == null && !queue.offer(e, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (!writer.isAlive()) {
                    break;
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while writing " + file);
        }
        if (failed != null) {
            throw failed instanceof IOException io ? io : new IOException("writing " + file + ": " + failed, failed);
        }
    }

    private Entry take() throws IOException {
        try {
            return queue.take();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while writing " + file);
        }
    }

    private void join() {
        try {
            writer.join();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
