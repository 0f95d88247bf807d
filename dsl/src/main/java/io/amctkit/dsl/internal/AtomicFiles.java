package io.amctkit.dsl.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file all at once or not at all: the bytes go to a hidden temporary file beside the target
 * ({@code .NAME…tmp}), which is flushed to the disk and then moved into place. An existing target is replaced only
 * when asked; otherwise the write fails before anything is written. A process killed meanwhile leaves the target as
 * it was (and at most a hidden temporary file).
 *
 * <p>For the crash tests only: with {@code -Damctkit.debug.pauseWriting=NAME} the write of a file named NAME
 * announces itself on stderr ({@code amctkit: writing PATH}) after its first 64 KiB (or all of a smaller file) and
 * then waits a minute, so that a test can kill the process in the middle of that write.
 */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    public static void writeString(Path target, String text, boolean replaceExisting) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8), replaceExisting);
    }

    public static void write(Path target, byte[] bytes, boolean replaceExisting) throws IOException {
        write(target, out -> out.write(bytes), replaceExisting);
    }

    /** Writes what {@code content} streams (large files need no byte array of their size). */
    public interface Content {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    public static void write(Path target, Content content, boolean replaceExisting) throws IOException {
        write(target, content, replaceExisting, false);
    }

    /**
     * {@link #write(Path, Content, boolean)} for a file that may be gigabytes (an LLM's record file): written past the
     * page cache where the file system allows it ({@code O_DIRECT}, in large aligned blocks, one written while the next
     * is filled), which costs the processor almost nothing and keeps the disk busy from the first block; else as usual.
     */
    public static void writeLarge(Path target, Content content, boolean replaceExisting) throws IOException {
        write(target, content, replaceExisting, true);
    }

    private static void write(Path target, Content content, boolean replaceExisting, boolean large) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (Files.isDirectory(absolute)) {
            throw new IOException(target + " is a directory; give a file name");
        }
        if (!replaceExisting && Files.exists(absolute)) {
            throw new FileAlreadyExistsException(target.toString(), null,
                    "already exists; choose another name or allow replacing it");
        }
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IOException("folder " + dir + " does not exist; create it first");
        }
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
        try {
            java.nio.channels.FileChannel direct = large ? DirectOutput.open(tmp) : null;
            try (java.nio.channels.FileChannel channel = direct != null ? direct : java.nio.channels.FileChannel.open(tmp,
                    java.nio.file.StandardOpenOption.WRITE)) {
                Finishing sink = direct != null ? new DirectOutput(channel, (int) Files.getFileStore(tmp).getBlockSize())
                        : new EarlyWriteback(java.nio.channels.Channels.newOutputStream(channel), channel);
                java.io.OutputStream out = new java.io.BufferedOutputStream(sink, 1 << 16);
                if (absolute.getFileName().toString().equals(System.getProperty("amctkit.debug.pauseWriting"))) {
                    out = new PausingStream(out, absolute, 60_000);
                }
                try {
                    content.writeTo(out);
                    out.flush();
                    sink.finish();
                } finally {
                    sink.release();
                }
                if (out instanceof PausingStream p) {
                    p.pauseOnce();
                }
                channel.force(true);
            }
            readableByAll(tmp);
            if (replaceExisting) {
                moveReplacing(tmp, absolute);
            } else {
                // a hard link fails atomically when the target appeared meanwhile: never clobber
                try {
                    Files.createLink(absolute, tmp);
                } catch (UnsupportedOperationException | IOException linkFailed) {
                    if (linkFailed instanceof FileAlreadyExistsException) {
                        throw linkFailed;
                    }
                    Files.move(tmp, absolute);
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** An output stream with a last step after its last write: the data on its way to the disk, failures reported. */
    private abstract static class Finishing extends java.io.FilterOutputStream {
        Finishing(java.io.OutputStream out) {
            super(out);
        }

        abstract void finish() throws IOException;

        /** Frees what the stream holds besides the file (after {@link #finish}, or instead of it when writing failed). */
        void release() {
        }
    }

    /**
     * Writes a file with {@code O_DIRECT}: bytes gathered into aligned blocks of {@link #CHUNK}, each written by a
     * background thread while the next fills (two buffers), the last one padded to the file system's block and the file
     * then cut to its length. Nothing goes through the page cache: no copy into it, no dirty pages to throttle or flush.
     */
    private static final class DirectOutput extends Finishing {
        static final int CHUNK = 4 << 20;
        private final java.nio.channels.FileChannel channel;
        private final int block;
        private final java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "amctkit-direct-write");
            t.setDaemon(true);
            return t;
        });
        private java.nio.ByteBuffer filling;
        private java.nio.ByteBuffer spare;
        private java.util.concurrent.Future<?> pending;
        private long position;
        private long size;

        /** A temporary file opened for direct writes, or null where the file system does not take them. */
        static java.nio.channels.FileChannel open(Path tmp) {
            try {
                long block = Files.getFileStore(tmp).getBlockSize();
                if (block <= 0 || block > 1 << 16 || Long.bitCount(block) != 1) {
                    return null;
                }
                java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(tmp,
                        java.nio.file.StandardOpenOption.WRITE, com.sun.nio.file.ExtendedOpenOption.DIRECT);
                try {
                    // one block written and cut away: a device that wants larger alignment refuses it here, not midway
                    java.nio.ByteBuffer probe = java.nio.ByteBuffer.allocateDirect((int) (2 * block)).alignedSlice((int) block);
                    probe.limit((int) block);
                    channel.write(probe, 0);
                    channel.truncate(0);
                    return channel;
                } catch (IOException e) {
                    channel.close();
                    return null;
                }
            } catch (IOException | UnsupportedOperationException e) {
                return null;   // tmpfs and others: the page cache, as for any file
            }
        }

        DirectOutput(java.nio.channels.FileChannel channel, int block) {
            super(java.io.OutputStream.nullOutputStream());
            this.channel = channel;
            this.block = block;
            this.filling = aligned();
            this.spare = aligned();
        }

        private java.nio.ByteBuffer aligned() {
            return java.nio.ByteBuffer.allocateDirect(CHUNK + block).alignedSlice(block).limit(CHUNK);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, filling.remaining());
                filling.put(b, off, n);
                off += n;
                len -= n;
                size += n;
                if (!filling.hasRemaining()) {
                    hand(filling.flip());
                }
            }
        }

        @Override
        public void flush() {
            // blocks go out whole; the last one at finish
        }

        /** Queues {@code full} for writing at the current position and takes the other buffer to fill. */
        private void hand(java.nio.ByteBuffer full) throws IOException {
            await();
            long at = position;
            position += full.limit();
            pending = writer.submit(() -> {
                while (full.hasRemaining()) {
                    channel.write(full, at + full.position());
                }
                return null;
            });
            filling = spare.clear().limit(CHUNK);
            spare = full;
        }

        private void await() throws IOException {
            if (pending == null) {
                return;
            }
            try {
                pending.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing");
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } finally {
                pending = null;
            }
        }

        @Override
        void finish() throws IOException {
            try {
                int tail = filling.position();
                if (tail > 0) {
                    int padded = (tail + block - 1) / block * block;
                    while (filling.position() < padded) {
                        filling.put((byte) 0);
                    }
                    hand(filling.flip());
                }
                await();
                channel.truncate(size);
            } finally {
                release();
            }
        }

        @Override
        void release() {
            writer.shutdownNow();
        }
    }

    /**
     * Starts the disk writes of a large file while it is still being written: after every {@link #EVERY} bytes, a
     * background thread flushes what is there ({@code force(false)}; at most one at a time), so that the final flush
     * waits for the last stretch only instead of the whole file (a 7 B model's record file is gigabytes).
     */
    private static final class EarlyWriteback extends Finishing {
        static final long EVERY = 256L << 20;
        private final java.nio.channels.FileChannel channel;
        private long written;
        private long nextSync = EVERY;
        private Thread syncing;
        private volatile IOException failed;

        EarlyWriteback(java.io.OutputStream out, java.nio.channels.FileChannel channel) {
            super(out);
            this.channel = channel;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            written += len;
            if (written >= nextSync) {
                nextSync = written + EVERY;
                if (syncing == null || !syncing.isAlive()) {
                    syncing = new Thread(() -> {
                        try {
                            channel.force(false);
                        } catch (IOException e) {
                            failed = e;
                        }
                    }, "amctkit-writeback");
                    syncing.setDaemon(true);
                    syncing.start();
                }
            }
        }

        /** Waits for a background flush still running; its failure is the write's failure. */
        @Override
        void finish() throws IOException {
            if (syncing != null) {
                try {
                    syncing.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while flushing " + e.getMessage());
                }
            }
            if (failed != null) {
                throw failed;
            }
        }
    }

    /** The crash tests' hook: after 64 KiB (or at the end), says which file is being written and waits. */
    private static final class PausingStream extends java.io.FilterOutputStream {
        private final Path target;
        private final long pauseMillis;
        private long written;
        private boolean paused;

        PausingStream(java.io.OutputStream out, Path target, long pauseMillis) {
            super(out);
            this.target = target;
            this.pauseMillis = pauseMillis;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count(1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count(len);
        }

        private void count(int n) throws IOException {
            written += n;
            if (written >= 1 << 16) {
                pauseOnce();
            }
        }

        void pauseOnce() throws IOException {
            if (paused) {
                return;
            }
            paused = true;
            out.flush();
            System.err.println("amctkit: writing " + target);
            System.err.flush();
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Temp files are created rw-------; the result is an ordinary file (rw-r--r--, as a plain write would give). */
    private static void readableByAll(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    private static void moveReplacing(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
