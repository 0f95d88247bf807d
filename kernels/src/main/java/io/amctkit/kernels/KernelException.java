package io.amctkit.kernels;

/** A kernel input AMCT would reject or that no kernel can handle; the message names the tensor, the value and what to do. */
public final class KernelException extends IllegalArgumentException {
    public KernelException(String message) {
        super(message);
    }
}
