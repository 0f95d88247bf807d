package io.amctkit.runtime;

/**
 * Input amctkit cannot use (a malformed manifest, model or sample file), with a one-line message naming the file,
 * the position or item, and what to do. {@link #isIoError()} tells unreadable (exit 2) from invalid (exit 1).
 */
public final class InvalidInputException extends RuntimeException {

    private final boolean ioError;

    public InvalidInputException(String message, boolean ioError) {
        super(message, null, false, false);
        this.ioError = ioError;
    }

    public boolean isIoError() {
        return ioError;
    }
}
