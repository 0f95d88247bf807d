package io.amctkit.cli;

/** The CLI's exit codes: 0 ok, 1 invalid input (AMCT would reject it), 2 usage or I/O error. */
final class ExitCode {
    static final int OK = 0;
    static final int INVALID = 1;
    static final int USAGE_OR_IO = 2;

    private ExitCode() {
    }
}
