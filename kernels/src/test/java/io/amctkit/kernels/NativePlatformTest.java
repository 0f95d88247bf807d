package io.amctkit.kernels;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ND4J's natives follow the platform the build runs for: forcing {@code -Djavacpp.platform=linux-arm64} (an Ascend
 * server's Kunpeng CPU) resolves the arm64 artifacts of nd4j-native, openblas and javacpp, and only those — a build
 * never pulls every platform's natives.
 */
@Tag("slow")
class NativePlatformTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"linux-arm64, linux-x86_64", "linux-x86_64, linux-arm64"})
    void theNativesOfTheChosenPlatformResolve(String platform, String other) throws Exception {
        Path root = Path.of(System.getProperty("amctkit.root", ".."));
        Path list = dir.resolve("deps.txt");
        Process p = new ProcessBuilder("mvn", "-B", "-q", "-f", root.resolve("pom.xml").toString(), "-pl", "kernels",
                "dependency:list", "-Djavacpp.platform=" + platform, "-DincludeGroupIds=org.nd4j,org.bytedeco",
                "-DoutputFile=" + list).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), log);
        assertEquals(0, p.exitValue(), log);
        String deps = Files.readString(list);
        for (String artifact : new String[]{"org.nd4j:nd4j-native:jar:", "org.bytedeco:openblas:jar:", "org.bytedeco:javacpp:jar:"}) {
            assertTrue(deps.contains(artifact + platform + ":"), artifact + platform + " in\n" + deps);
        }
        assertFalse(deps.contains(other), "no " + other + " natives in\n" + deps);
    }
}
