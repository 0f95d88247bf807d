package io.amctkit.runtime.model;

/** Element types of stored weights that amctkit reads (into float32, as AMCT computes). */
public enum DType {
    F32(4), F16(2), BF16(2), F64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }
}
