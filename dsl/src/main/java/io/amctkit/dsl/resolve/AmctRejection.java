package io.amctkit.dsl.resolve;

/** AMCT's verdict that a config is invalid for a model: thrown at the first error, as AMCT raises it. */
final class AmctRejection extends RuntimeException {

    final String amctType;
    final String fieldPath;

    AmctRejection(String amctType, String message, String fieldPath) {
        super(message, null, false, false);
        this.amctType = amctType;
        this.fieldPath = fieldPath;
    }

    static AmctRejection value(String message) {
        return new AmctRejection("ValueError", message, "");
    }

    static AmctRejection value(String message, String fieldPath) {
        return new AmctRejection("ValueError", message, fieldPath);
    }
}
