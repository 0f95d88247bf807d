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
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(tmp,
                    java.nio.file.StandardOpenOption.WRITE)) {
                EarlyWriteback writeback = new EarlyWriteback(java.nio.channels.Channels.newOutputStream(channel), channel);
                java.io.OutputStream out = new java.io.BufferedOutputStream(writeback, 1 << 16);
                if (absolute.getFileName().toString().equals(System.getProperty("amctkit.debug.pauseWriting"))) {
                    out = new PausingStream(out, absolute, 60_000);
                }
                content.writeTo(out);
                out.flush();
                writeback.finish();
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

    /**
     * Starts the disk writes of a large file while it is still being written: after every {@link #EVERY} bytes, a
     * background thread flushes what is there ({@code force(false)}; at most one at a time), so that the final flush
     * waits for the last stretch only instead of the whole file (a 7 B model's record file is gigabytes).
     */
    private static final class EarlyWriteback extends java.io.FilterOutputStream {
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
