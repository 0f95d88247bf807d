package io.amctkit.runtime.session;

import com.google.protobuf.TextFormat;
import io.amctkit.dsl.resolve.QuantPlan;
import io.amctkit.dsl.resolve.Resolution;
import io.amctkit.runtime.prune.FilterPruning;

import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * record.txt written while its session runs, for a session whose record has no quantization entries (2:4 and filter
 * pruning alone: an LLM's sparsity report): its filter-prune records first, then each 2:4 layer's prune_record as soon as
 * the layer is done, by a writer thread, so that formatting gigabytes of mask values and writing them to disk overlap the
 * reading and the kernels of the layers after it. The text is {@link RecordFile#write}'s, byte for byte; the file appears
 * atomically after the session ends ({@link StreamedRecord#await}), and not at all if the session fails. Each layer's
 * mask can be read back from it afterwards ({@link #add} gives it as a {@link PackedMask}), so that the session need not
 * keep a second copy.
 */
final class RecordStream implements AutoCloseable {

    /** A 2:4 layer's record (where its values land in the file told to {@code recorded}), or the end (a null layer). */
    private record Entry(String layer, long[] maskShape, LongBuffer words, Recorded recorded, boolean commit) {
    }

    private final Path file;
    /** Layers waiting for the writer: two at most, so that a slow disk holds the session back instead of filling memory. */
    private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(2);
    private final Thread writer;
    private volatile Throwable failed;
    private boolean ended;
    /** The file's length once the writer has written it all, else -1. */
    private volatile long length = -1;

    private RecordStream(Path file, FilterPruning pruning) {
        this.file = file;
        this.writer = new Thread(() -> {
            try {
                io.amctkit.dsl.internal.AtomicFiles.writeLarge(file, target -> {
                    Counting out = new Counting(target);
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
                        long start = out.count;
                        int head = RecordFile.writeSelective(printer, e.layer(), e.maskShape(), e.words(), out);
                        e.recorded().offset = start + head;
                    }
                    out.flush();
                    length = out.count;
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

    /**
     * Queues one 2:4 layer's record (its packed mask {@code words}, which nobody may change from now on); returns the
     * mask as read back from the record file once it is written.
     */
    PackedMask add(String layer, long[] maskShape, LongBuffer words) throws IOException {
        Recorded recorded = new Recorded(layer, words.remaining());
        put(new Entry(layer, maskShape.clone(), words, recorded, false));
        return PackedMask.stored(recorded, recorded.count, maskShape);
    }

    /** One layer's mask values in the written file: {@code count} lines from byte {@code offset} (set by the writer). */
    private final class Recorded implements PackedMask.Stored {
        private final String layer;
        private final int count;
        private volatile long offset = -1;

        Recorded(String layer, int count) {
            this.layer = layer;
            this.count = count;
        }

        @Override
        public long[] read() {
            String what = "the 2:4 mask of " + layer + " is read back from the record file " + file;
            try {
                Path written = awaitWritten();
                long size = java.nio.file.Files.size(written);
                if (size != length || offset < 0) {
                    throw new IOException(written + " is " + size + " bytes, not the " + length + " the session wrote");
                }
                return RecordFile.readValues(written, offset, count);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new java.io.UncheckedIOException(what + ", which was moved or deleted since: run the session again"
                        + " to have it", e);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(what + ", which changed since the session wrote it or was not"
                        + " written (" + e.getMessage() + "): run the session again to have it", e);
            }
        }

        @Override
        public boolean inRecord() {
            return true;
        }
    }

    /** Counts the bytes written through it (the record's offsets). */
    private static final class Counting extends java.io.FilterOutputStream {
        long count;

        Counting(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /**
     * Ends the record: the writer formats what is queued, flushes the file to disk and moves it into place while the
     * caller goes on; {@link StreamedRecord#await} waits for that.
     */
    StreamedRecord end() throws IOException {
        ended = true;
        put(new Entry(null, null, null, null, true));
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
            queue.offer(new Entry(null, null, null, null, false));
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
