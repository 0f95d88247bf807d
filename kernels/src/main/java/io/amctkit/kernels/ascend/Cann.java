package io.amctkit.kernels.ascend;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.ptr.IntByReference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finding and opening CANN. In {@code $ASCEND_HOME_PATH/lib64}, else on the library path ({@code LD_LIBRARY_PATH},
 * {@code java.library.path}), the first folder with {@code libascendcl.so} and an operator library:
 * {@code libopapi_nn.so} (CANN 8.5+, which deprecates {@code libopapi.so}) or else {@code libopapi.so}. Tensor
 * descriptors and executors are bound from {@code libnnopbase.so} where it exists (CANN's samples link it explicitly),
 * else from the operator library that carried them before; every symbol is checked at opening. The system property
 * {@code amctkit.ascend.emulator} (a folder laid out like lib64) is for amctkit's own tests only.
 */
public record Cann(Acl acl, NnOpBase base, OpApi ops, String where, int devices) {

    /** System property naming the test emulator's folder (never set outside amctkit's tests). */
    public static final String EMULATOR_PROPERTY = "amctkit.ascend.emulator";

    /** Opened CANN, or why not. */
    public record Found(Optional<Cann> cann, String detail) {
    }

    /** Where CANN's libraries were found, and its version (from the install's version.info). */
    public record Layout(Path dir, Path acl, Path ops, Path base, String version) {

        /** E.g. "CANN 8.5.0 at /usr/local/Ascend/ascend-toolkit/latest/lib64 (libascendcl.so, libnnopbase.so, libopapi_nn.so)". */
        public String describe() {
            List<String> files = new ArrayList<>(List.of(acl.getFileName().toString()));
            if (!base.equals(ops)) {
                files.add(base.getFileName().toString());
            }
            files.add(ops.getFileName().toString());
            return "CANN " + version + " at " + dir + " (" + String.join(", ", files) + ")";
        }
    }

    /** The operator libraries, newest layout first. */
    static final List<String> OPERATOR_LIBRARIES = List.of("libopapi_nn.so", "libopapi.so");

    /** The symbols each library must export, checked when CANN is opened. */
    static final Map<String, List<String>> REQUIRED = Map.of(
            "acl", List.of("aclInit", "aclFinalize", "aclrtGetDeviceCount", "aclrtCreateContext", "aclrtSetCurrentContext",
                    "aclrtDestroyContext", "aclrtCreateStream", "aclrtDestroyStream", "aclrtSynchronizeStream", "aclrtMalloc",
                    "aclrtFree", "aclrtMemcpy"),
            "base", List.of("aclCreateTensor", "aclDestroyTensor", "aclSetAclOpExecutorRepeatable", "aclDestroyAclOpExecutor"),
            "ops", List.of("aclnnFakeQuantPerChannelAffineCachemaskGetWorkspaceSize", "aclnnFakeQuantPerChannelAffineCachemask",
                    "aclnnFakeQuantPerTensorAffineCachemaskGetWorkspaceSize", "aclnnFakeQuantPerTensorAffineCachemask",
                    "aclnnAscendQuantV3GetWorkspaceSize", "aclnnAscendQuantV3"));

    public static Found locate() {
        String emulator = System.getProperty(EMULATOR_PROPERTY);
        if (emulator != null && !emulator.isBlank()) {
            return locateIn(Path.of(emulator));
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
        String version = home == null || home.isBlank() ? "(version unknown: no ASCEND_HOME_PATH)" : version(Path.of(home));
        return find(dirs, version).map(Cann::open).orElseGet(() -> new Found(Optional.empty(),
                "CANN not found: no libascendcl.so with libopapi_nn.so or libopapi.so in "
                        + (dirs.isEmpty() ? "(no ASCEND_HOME_PATH, empty library path)" : dirs)
                        + "; set ASCEND_HOME_PATH (source CANN's set_env.sh)"));
    }

    /** CANN from one folder laid out like its lib64 (the version from a version.info there or one level up). */
    public static Found locateIn(Path dir) {
        String version = Files.isRegularFile(dir.resolve("version.info")) ? version(dir) : version(dir.getParent());
        return find(List.of(dir), version).map(Cann::open).orElseGet(() -> new Found(Optional.empty(),
                "CANN not found in " + dir + ": " + missing(dir)));
    }

    /** The first folder with libascendcl.so and an operator library; libnnopbase.so from the same folder, else any. */
    static Optional<Layout> find(List<Path> dirs, String version) {
        for (Path d : dirs) {
            Path acl = d.resolve("libascendcl.so");
            Optional<Path> ops = OPERATOR_LIBRARIES.stream().map(d::resolve).filter(Files::isRegularFile).findFirst();
            if (Files.isRegularFile(acl) && ops.isPresent()) {
                Path base = java.util.stream.Stream.concat(java.util.stream.Stream.of(d), dirs.stream())
                        .map(x -> x.resolve("libnnopbase.so")).filter(Files::isRegularFile).findFirst().orElse(ops.get());
                return Optional.of(new Layout(d, acl, ops.get(), base, version));
            }
        }
        return Optional.empty();
    }

    private static String missing(Path dir) {
        List<String> absent = new ArrayList<>();
        if (!Files.isRegularFile(dir.resolve("libascendcl.so"))) {
            absent.add("libascendcl.so");
        }
        if (OPERATOR_LIBRARIES.stream().noneMatch(f -> Files.isRegularFile(dir.resolve(f)))) {
            absent.add("libopapi_nn.so or libopapi.so");
        }
        return "missing " + String.join(" and ", absent);
    }

    /** CANN's version from {@code version.info} ("Version=8.5.0") in the install folder or its compiler/runtime parts. */
    static String version(Path home) {
        if (home == null) {
            return "(version unknown)";
        }
        for (Path f : List.of(home.resolve("version.info"), home.resolve("compiler/version.info"), home.resolve("runtime/version.info"))) {
            try {
                if (Files.isRegularFile(f) && Files.size(f) < 65536) {
                    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                        String l = line.trim();
                        if (l.regionMatches(true, 0, "version=", 0, 8)) {
                            return l.substring(8).trim();
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // an unreadable version file only costs the version in doctor's line
            }
        }
        return "(version unknown: no version.info in " + home + ")";
    }

    /** A library's missing symbols (JNA binds lazily: without this a missing one would fail in the middle of a kernel). */
    private static List<String> absentSymbols(Path library, List<String> symbols) {
        NativeLibrary lib = NativeLibrary.getInstance(library.toAbsolutePath().toString());
        List<String> absent = new ArrayList<>();
        for (String s : symbols) {
            try {
                lib.getFunction(s);
            } catch (UnsatisfiedLinkError e) {
                absent.add(s);
            }
        }
        return absent;
    }

    private static Found open(Layout layout) {
        String where = layout.describe();
        try {
            for (Map.Entry<String, Path> lib : List.of(Map.entry("acl", layout.acl()), Map.entry("base", layout.base()),
                    Map.entry("ops", layout.ops()))) {
                List<String> absent = absentSymbols(lib.getValue(), REQUIRED.get(lib.getKey()));
                if (!absent.isEmpty()) {
                    return new Found(Optional.empty(), where + ": " + lib.getValue().getFileName() + " does not export " + absent
                            + (lib.getKey().equals("base") ? " (CANN 8.5+ has them in libnnopbase.so: is it in " + layout.dir() + "?)" : ""));
                }
            }
            Acl acl = Native.load(layout.acl().toAbsolutePath().toString(), Acl.class);
            NnOpBase base = Native.load(layout.base().toAbsolutePath().toString(), NnOpBase.class);
            OpApi ops = Native.load(layout.ops().toAbsolutePath().toString(), OpApi.class);
            int status = acl.aclInit(null);
            if (status == 0) {
                // the header asks for aclFinalize before the process exits; once, by whoever initialised
                Runtime.getRuntime().addShutdownHook(new Thread(acl::aclFinalize, "amctkit-aclFinalize"));
            } else if (status != 100002) {   // 100002: already initialised in this process
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
            return new Found(Optional.of(new Cann(acl, base, ops, where, count.getValue())), where + ", " + count.getValue() + " device(s)");
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return new Found(Optional.empty(), where + ": cannot load (" + e.getMessage() + ")");
        }
    }
}
