package io.amctkit.dsl.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file all at once or not at all: the bytes go to a temporary file beside the target, which is then moved
 * into place. An existing target is replaced only when asked; otherwise the write fails before anything is written.
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
            try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                content.writeTo(out);
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
