package io.amctkit.dsl.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Large files written past the page cache ({@code O_DIRECT} in aligned blocks, the last one cut to length) come out byte
 * for byte as written, whatever their length against the blocks; where the file system refuses direct writes (tmpfs) the
 * usual way is taken; a failure leaves neither the file nor a temporary one.
 */
class AtomicFilesTest {

    @TempDir
    Path dir;

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        java.util.Random r = new java.util.Random(n);
        r.nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4095, 4096, 4097, (4 << 20) - 1, 4 << 20, (4 << 20) + 1, (9 << 20) + 12345})
    void aLargeFileIsWhatWasWrittenWhateverItsLength(int n) throws IOException {
        byte[] b = bytes(n);
        Path file = dir.resolve("record.txt");
        AtomicFiles.writeLarge(file, out -> {
            // in uneven pieces, and a single byte, as a text printer writes
            int at = 0;
            int piece = 1;
            while (at < n) {
                int len = Math.min(piece, n - at);
                if (len == 1) {
                    out.write(b[at]);
                } else {
                    out.write(b, at, len);
                }
                at += len;
                piece = piece * 7 % 100_003 + 1;
            }
        }, true);
        assertArrayEquals(b, Files.readAllBytes(file));
        try (var listed = Files.list(dir)) {
            assertEquals(1, listed.count(), "no temporary file left");
        }
    }

    @Test
    void onTmpfsTheUsualWayIsTaken() throws IOException {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm");
        Path folder = Files.createTempDirectory(shm, "amctkit-atomic");
        try {
            byte[] b = bytes((5 << 20) + 3);
            Path file = folder.resolve("record.txt");
            AtomicFiles.writeLarge(file, out -> out.write(b), true);
            assertArrayEquals(b, Files.readAllBytes(file));
        } finally {
            Folders.deleteTree(folder);
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryOne() throws IOException {
        Path file = dir.resolve("record.txt");
        Files.writeString(file, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeLarge(file, out -> {
            out.write(bytes(6 << 20));
            throw new IOException("stopped");
        }, true));
        assertEquals("stopped", e.getMessage());
        assertEquals("old", Files.readString(file));
        try (var listed = Files.list(dir)) {
            assertEquals(1, listed.count(), "no temporary file left");
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (writerThreads() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, writerThreads(), "the background writer stops with the failed write");
    }

    private static long writerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("amctkit-direct-write") && t.isAlive()).count();
    }
}
