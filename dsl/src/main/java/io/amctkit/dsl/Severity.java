package io.amctkit.dsl;

/** How serious a {@link Diagnostic} is: an error means AMCT rejects the config (or amctkit refuses it). */
public enum Severity {
    ERROR, WARNING;

    /** Lower-case name as printed in diagnostics ({@code error}, {@code warning}). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
