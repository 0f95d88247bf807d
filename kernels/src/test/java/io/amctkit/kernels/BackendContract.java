package io.amctkit.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.provider.Arguments;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The backend contract suite's plumbing: every reference case runs on every usable backend found by the SPI (the
 * emulated Ascend backend joins here when its library is present).
 */
final class BackendContract {

    private static final Map<String, Kernels> KERNELS = new ConcurrentHashMap<>();

    private BackendContract() {
    }

    static Stream<Arguments> cross(Stream<JsonNode> cases) {
        List<Backend> backends = Backends.usable();
        if (backends.isEmpty()) {
            throw new IllegalStateException(Backends.describe());
        }
        return cases.flatMap(c -> backends.stream().map(b -> Arguments.of(b.name(), c)));
    }

    static Kernels kernels(String backend) {
        return KERNELS.computeIfAbsent(backend, name -> Backends.discovered().stream()
                .filter(b -> b.name().equals(name)).findFirst().orElseThrow().kernels(2));
    }
}
