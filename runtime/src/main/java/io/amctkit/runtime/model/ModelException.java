package io.amctkit.runtime.model;

import java.nio.file.Path;

/** A model file amctkit cannot read: the message names the file, what is wrong and, where it helps, what to do. */
public final class ModelException extends RuntimeException {

    private final boolean ioError;

    public ModelException(Path file, String problem) {
        this(file, problem, false, null);
    }

    public ModelException(Path file, String problem, boolean ioError, Throwable cause) {
        super(file + ": " + problem, cause);
        this.ioError = ioError;
    }

    /** Unreadable (missing, permissions) rather than invalid. */
    public boolean isIoError() {
        return ioError;
    }
}
