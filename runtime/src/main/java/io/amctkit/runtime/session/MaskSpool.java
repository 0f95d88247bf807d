package io.amctkit.runtime.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where one session keeps its packed 2:4 masks: in memory up to a budget; past it in the record file the session streams,
 * when it streams one (the words are written there anyway), else in one temporary file. That file is unlinked as soon as
 * it is open (where the system allows: then a killed process leaves nothing behind) and otherwise deleted when its
 * channel closes, which happens when the session's result is no longer reachable. A 7 B model's masks are about 0.8 GB:
 * a report holds one layer's at a time.
 */
final class MaskSpool {

    /** Bytes of packed words a session keeps in memory before it spools. */
    static final long MEMORY_BUDGET = 64L << 20;

    private final long budget;
    private long inMemory;
    private FileChannel file;
    private long end;

    MaskSpool(long budget) {
        this.budget = budget;
    }

    /**
     * Keeps {@code words} (the mask of a weight of {@code shape}): in memory while the budget lasts, then as
     * {@code recorded} (the same words in the streamed record file) when there is one, else in the spool file.
     */
    synchronized PackedMask keep(java.nio.LongBuffer words, long[] shape, java.util.Optional<PackedMask> recorded) {
        long bytes = 8L * words.remaining();
        if (inMemory + bytes <= budget) {
            inMemory += bytes;
            return PackedMask.of(words, shape);
        }
        if (recorded.isPresent()) {
            return recorded.get();
        }
        try {
            if (file == null) {
                Path tmp = Files.createTempFile("amctkit-masks", ".bin");
                file = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE,
                        StandardOpenOption.DELETE_ON_CLOSE);
                try {
                    Files.deleteIfExists(tmp);   // POSIX: the open channel keeps the data, the name is gone
                } catch (IOException notOnThisSystem) {
                    // Windows keeps an open file's name: DELETE_ON_CLOSE removes it instead
                }
            }
            long at = end / 8;
            int count = words.remaining();
            ByteBuffer buf = ByteBuffer.allocateDirect(Math.min(count, 1 << 17) * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; ) {
                buf.clear();
                int n = Math.min(count - i, buf.capacity() / 8);
                buf.asLongBuffer().put(0, words, words.position() + i, n);
                buf.limit(n * 8);
                while (buf.hasRemaining()) {
                    end += file.write(buf, end);
                }
                i += n;
            }
            return PackedMask.stored(new Spooled(at, count), count, shape);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spool a 2:4 mask to the temporary folder " + System.getProperty("java.io.tmpdir")
                    + " (" + e.getMessage() + "); free space there or point java.io.tmpdir elsewhere", e);
        }
    }

    /** {@code count} words from word {@code at}. */
    private long[] read(long at, int count) {
        long[] out = new long[count];
        ByteBuffer buf = ByteBuffer.allocate(Math.min(count, 1 << 17) * 8).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (int i = 0; i < count; ) {
                int n = Math.min(count - i, buf.capacity() / 8);
                buf.clear().limit(n * 8);
                long pos = (at + i) * 8;
                while (buf.hasRemaining()) {
                    int got = file.read(buf, pos + buf.position());
                    if (got < 0) {
                        throw new IOException("the spool file ends early");
                    }
                }
                buf.flip().asLongBuffer().get(out, i, n);
                i += n;
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a spooled 2:4 mask back: " + e.getMessage(), e);
        }
    }

    /** Words at word {@code at} of this spool. */
    private final class Spooled implements PackedMask.Stored {
        private final long at;
        private final int count;

        Spooled(long at, int count) {
            this.at = at;
            this.count = count;
        }

        @Override
        public long[] read() {
            return MaskSpool.this.read(at, count);
        }

        @Override
        public boolean inRecord() {
            return false;
        }
    }
}
