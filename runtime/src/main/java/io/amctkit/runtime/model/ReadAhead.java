package io.amctkit.runtime.model;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a model file ahead of the weight the kernels work on, so that a checkpoint not in the page cache streams at the
 * disk's speed: the kernels' own page faults on a mapped weight read it at half of that, in small pieces, and wait for
 * each. One daemon thread brings the bytes after the current weight into the page cache, {@link #CHUNK} at a time (each
 * chunk mapped, checked for residence with {@code mincore}, loaded if not, unmapped: at most a chunk of its own in the
 * resident set), up to as far past the weight as the weight is long. Pages already cached cost a residence check. Told
 * of each weight by {@link #following}; stops at {@link #close}.
 */
final class ReadAhead implements AutoCloseable {

    /** What is read per step: large enough for the disk's queue, small enough to stay out of the resident set. */
    static final long CHUNK = 32L << 20;

    private final Object lock = new Object();
    private final Thread thread;
    /** The file to read, the range still to read from it; changed by {@link #following}. */
    private Path file;
    private long from;
    private long to;
    private boolean closed;
    /** Bytes read in or found cached so far. */
    private volatile long covered;

    ReadAhead() {
        thread = new Thread(this::run, "amctkit-read-ahead");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * A weight of {@code bytes} at {@code position} of {@code file} is about to be read: the bytes from its start to as
     * far again past its end are read next (those before its start are not: the kernels read them).
     */
    void following(Path file, long position, long bytes) {
        synchronized (lock) {
            if (!file.equals(this.file) || position > from || position + 2 * bytes < from) {
                this.file = file;
                this.from = position;
            }
            this.to = Math.max(from, position + 2 * bytes);
            lock.notifyAll();
        }
    }

    private void run() {
        FileChannel channel = null;
        Path open = null;
        try {
            while (true) {
                Path f;
                long at;
                long end;
                synchronized (lock) {
                    while (!closed && (file == null || from >= to)) {
                        lock.wait();
                    }
                    if (closed) {
                        return;
                    }
                    f = file;
                    at = from;
                    end = Math.min(to, at + CHUNK);
                    from = end;
                }
                try {
                    if (!f.equals(open)) {
                        if (channel != null) {
                            channel.close();
                            channel = null;
                            open = null;
                        }
                        channel = FileChannel.open(f, StandardOpenOption.READ);
                        open = f;
                    }
                    long size = channel.size();
                    if (at < size) {
                        MappedByteBuffer chunk = channel.map(FileChannel.MapMode.READ_ONLY, at, Math.min(end, size) - at);
                        try {
                            if (!chunk.isLoaded()) {
                                chunk.load();
                            }
                        } finally {
                            Unmapper.unmap(chunk);
                        }
                        covered += Math.min(end, size) - at;
                    }
                } catch (IOException | java.io.UncheckedIOException | InternalError e) {
                    // (InternalError: the file was cut short while a chunk of it was touched)
                    // reading ahead is only a hint: the weight's own read reports what is wrong with the file
                    synchronized (lock) {
                        if (f.equals(file)) {
                            from = to;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // a read-only channel: nothing was written
                }
            }
        }
    }

    /** Bytes read in, or found in the page cache, so far. */
    long covered() {
        return covered;
    }

    /** Whether its thread still runs. */
    boolean running() {
        return thread.isAlive();
    }

    /** Stops reading ahead and waits for the chunk being read, so that no mapping outlives the buffer. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
