package io.amctkit.runtime.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read-ahead of a streamed checkpoint: it reads as far past each weight as the weight is long (not the whole
 * file, not less), follows the weights from file to file, shrugs off a file that went missing (the weight's own read
 * reports it), and stops at close.
 */
class ReadAheadTest {

    private static final long MB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void readsOneWeightAheadOfEachWeightAndFollowsThemAcrossFiles() throws Exception {
        Path shard1 = file("model-00001-of-00002.safetensors", 12 * MB);
        Path shard2 = file("model-00002-of-00002.safetensors", 3 * MB);
        try (ReadAhead ahead = new ReadAhead()) {
            ahead.following(shard1, 0, 2 * MB);
            awaitCovered(ahead::covered, 4 * MB);   // the weight and as much again
            ahead.following(shard1, 2 * MB, 2 * MB);
            awaitCovered(ahead::covered, 6 * MB);   // only what it had not read: [4, 6)
            ahead.following(shard1, 10 * MB, 4 * MB);
            awaitCovered(ahead::covered, 8 * MB);   // skips to the weight, stops at the file's end
            ahead.following(shard2, MB, MB);
            awaitCovered(ahead::covered, 10 * MB);  // the next shard, from its weight on
        }
    }

    @Test
    void aFileGoneMissingIsNoErrorAndReadingGoesOn() throws Exception {
        Path shard = file("model.safetensors", 4 * MB);
        try (ReadAhead ahead = new ReadAhead()) {
            ahead.following(dir.resolve("moved.safetensors"), 0, MB);
            ahead.following(shard, 0, MB);
            awaitCovered(ahead::covered, 2 * MB);
            ahead.following(dir.resolve("deleted.safetensors"), 0, MB);
            Thread.sleep(20);
            ahead.following(shard, 2 * MB, MB);   // back to the shard it had open before
            awaitCovered(ahead::covered, 4 * MB);
            assertTrue(ahead.running(), "still reading ahead");
        }
    }

    @Test
    void closingStopsItsThreadEvenWhileItReads() throws Exception {
        Path shard = file("model.safetensors", 64 * MB);
        ReadAhead ahead = new ReadAhead();
        ahead.following(shard, 0, 32 * MB);
        ahead.close();
        assertFalse(ahead.running(), "no thread (and no mapping) outlives it");
        // and a weight buffer closes its read-ahead with itself
        long before = readAheadThreads();
        WeightBuffer buffer = WeightBuffer.forElements(16);
        try (var ch = java.nio.channels.FileChannel.open(shard)) {
            var w = buffer.mapped(shard, ch, 0, new long[]{4, 4}, org.nd4j.linalg.api.buffer.DataType.FLOAT);
            assertEquals(16, w.length());
            assertEquals(before + 1, readAheadThreads(), "the first mapped weight starts one");
        }
        buffer.close();
        assertEquals(before, readAheadThreads(), "gone with the buffer");
    }

    private static long readAheadThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("amctkit-read-ahead") && t.isAlive()).count();
    }

    private Path file(String name, long bytes) throws Exception {
        Path f = dir.resolve(name);
        try (var out = Files.newOutputStream(f)) {
            byte[] block = new byte[(int) MB];
            for (long at = 0; at < bytes; at += MB) {
                block[0] = (byte) at;
                out.write(block, 0, (int) Math.min(MB, bytes - at));
            }
        }
        return f;
    }

    /** Waits until exactly {@code expected} bytes are covered (and fails if more are, or it takes over 20 s). */
    private static void awaitCovered(LongSupplier covered, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (covered.getAsLong() < expected && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        Thread.sleep(20);   // time to read past it, were it to
        assertEquals(expected, covered.getAsLong(), "bytes read ahead");
    }
}
