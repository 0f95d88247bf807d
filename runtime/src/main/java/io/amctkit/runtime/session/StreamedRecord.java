package io.amctkit.runtime.session;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The record file a session wrote while it ran ({@link Session#run(io.amctkit.kernels.Kernels, Session.Progress, Path)}),
 * which may still be finishing when the session returns: its last layers' text and the flush to disk go on in the
 * background while the caller renders its tables and pages (gigabytes for an LLM: seconds of disk). {@link #await} is
 * the point where the file is in place, or the writing's failure is known; until then only a hidden temporary file
 * exists beside it.
 */
public final class StreamedRecord {

    /** What waits for the writer: the written file, or the writing's failure. */
    interface Completion {
        Path await() throws IOException;
    }

    private final Path file;
    private final Completion completion;

    StreamedRecord(Path file, Completion completion) {
        this.file = file;
        this.completion = completion;
    }

    /** Where the record is written. */
    public Path file() {
        return file;
    }

    /** Waits until the record is on disk under its name; the writing's failure as an IOException (the file then absent). */
    public Path await() throws IOException {
        return completion.await();
    }

    /**
     * Waits for the record after {@code failure} stopped its caller (so that the writing is not cut off by the process
     * exiting, leaving a temporary file): its own failure is added to {@code failure}'s suppressed ones, unless it is
     * that failure (the record's failure, met by an earlier {@link #await}).
     */
    public void awaitAfter(Throwable failure) {
        try {
            await();
        } catch (IOException e) {
            if (e != failure) {
                failure.addSuppressed(e);
            }
        }
    }

    /** Whether this record is being written to {@code target} (compared as absolute, normalized paths). */
    public boolean writes(Path target) {
        return file.toAbsolutePath().normalize().equals(target.toAbsolutePath().normalize());
    }

    @Override
    public String toString() {
        return "record " + file;
    }
}
