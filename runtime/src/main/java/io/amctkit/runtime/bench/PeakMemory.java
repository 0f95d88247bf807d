package io.amctkit.runtime.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * This process's peak resident memory (Linux {@code VmHWM}: the most RAM the process ever held, JVM, native buffers and
 * mapped file pages included). With {@code -Damctkit.peakRssFile=FILE} the CLI writes it to FILE as it exits, so a
 * benchmark can read the exact peak of a child process.
 */
public final class PeakMemory {

    /** The system property naming the file the CLI writes its peak to at exit. */
    public static final String FILE_PROPERTY = "amctkit.peakRssFile";

    private PeakMemory() {
    }

    /** VmHWM in bytes, or empty where /proc/self/status does not say (not Linux). */
    public static OptionalLong peakBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /** When {@link #FILE_PROPERTY} is set: a shutdown hook writing the peak, in bytes, to that file. */
    public static void reportAtExitIfAsked() {
        String file = System.getProperty(FILE_PROPERTY);
        if (file == null || file.isBlank()) {
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> peakBytes().ifPresent(bytes -> {
            try {
                Files.writeString(Path.of(file), Long.toString(bytes));
            } catch (IOException e) {
                System.err.println("amctkit: cannot write the peak memory to " + file + ": " + e.getMessage());
            }
        }), "amctkit-peak-memory"));
    }
}
