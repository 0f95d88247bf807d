package io.amctkit.kernels.ascend;

import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finding and opening CANN: {@code $ASCEND_HOME_PATH/lib64}, else the library path ({@code LD_LIBRARY_PATH},
 * {@code java.library.path}), for {@code libascendcl.so} and {@code libopapi.so}. The system property
 * {@code amctkit.ascend.emulator} (a library with both APIs) is for amctkit's own tests only.
 */
public record Cann(Acl acl, OpApi ops, String where, int devices) {

    /** System property naming the test emulator library (never set outside amctkit's tests). */
    public static final String EMULATOR_PROPERTY = "amctkit.ascend.emulator";

    /** Opened CANN, or why not. */
    public record Found(Optional<Cann> cann, String detail) {
    }

    public static Found locate() {
        String emulator = System.getProperty(EMULATOR_PROPERTY);
        if (emulator != null && !emulator.isBlank()) {
            return open(Path.of(emulator), Path.of(emulator), "test emulator " + emulator);
        }
        List<Path> dirs = new ArrayList<>();
        String home = System.getenv("ASCEND_HOME_PATH");
        if (home != null && !home.isBlank()) {
            dirs.add(Path.of(home, "lib64"));
            dirs.add(Path.of(home, "lib"));
        }
        for (String var : new String[]{System.getenv("LD_LIBRARY_PATH"), System.getProperty("java.library.path")}) {
            if (var != null) {
                for (String d : var.split(java.io.File.pathSeparator)) {
                    if (!d.isBlank()) {
                        dirs.add(Path.of(d));
                    }
                }
            }
        }
        for (Path d : dirs) {
            Path acl = d.resolve("libascendcl.so");
            Path ops = d.resolve("libopapi.so");
            if (Files.isRegularFile(acl) && Files.isRegularFile(ops)) {
                return open(acl, ops, "CANN at " + d);
            }
        }
        return new Found(Optional.empty(), "CANN not found: no libascendcl.so and libopapi.so in "
                + (dirs.isEmpty() ? "(no ASCEND_HOME_PATH, empty library path)" : dirs)
                + "; set ASCEND_HOME_PATH (source CANN's set_env.sh)");
    }

    private static Found open(Path aclPath, Path opsPath, String where) {
        try {
            Acl acl = Native.load(aclPath.toAbsolutePath().toString(), Acl.class);
            OpApi ops = Native.load(opsPath.toAbsolutePath().toString(), OpApi.class);
            int status = acl.aclInit(null);
            if (status != 0 && status != 100002) {   // 100002: already initialised
                return new Found(Optional.empty(), where + ": aclInit failed with status " + status);
            }
            IntByReference count = new IntByReference();
            status = acl.aclrtGetDeviceCount(count);
            if (status != 0) {
                return new Found(Optional.empty(), where + ": aclrtGetDeviceCount failed with status " + status);
            }
            if (count.getValue() == 0) {
                return new Found(Optional.empty(), where + ": device count 0 (no NPU visible to this process)");
            }
            return new Found(Optional.of(new Cann(acl, ops, where, count.getValue())), where + ", " + count.getValue() + " device(s)");
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return new Found(Optional.empty(), where + ": cannot load (" + e.getMessage() + ")");
        }
    }
}
