package io.amctkit.runtime.model;

import java.nio.MappedByteBuffer;

/**
 * Releases a file mapping at once rather than when the garbage collector finds its buffer (the JDK's only way before the
 * foreign-memory API: {@code sun.misc.Unsafe.invokeCleaner}). A weight mapped per layer stays in the resident set only
 * while its layer is computed.
 */
final class Unmapper {

    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private Unmapper() {
    }

    /** Unmaps {@code mapping}; nothing may read through it (or through an array over it) afterwards. */
    static void unmap(MappedByteBuffer mapping) {
        UNSAFE.invokeCleaner(mapping);
    }

    private static sun.misc.Unsafe unsafe() {
        try {
            java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot release file mappings on this JVM: " + e, e);
        }
    }
}
