package io.amctkit.kernels;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;

/**
 * Finds the {@link Backend}s on the class path and picks one: the system property {@code amctkit.backend} or else
 * the environment variable {@code AMCTKIT_BACKEND} names it; otherwise the highest-ranked usable backend. A named
 * backend that is missing or unusable is an error that lists what was found and why each is unusable.
 */
public final class Backends {

    public static final String PROPERTY = "amctkit.backend";
    public static final String ENVIRONMENT = "AMCTKIT_BACKEND";

    private Backends() {
    }

    /** Every backend on the class path, best rank first. */
    public static List<Backend> discovered() {
        List<Backend> all = new ArrayList<>();
        ServiceLoader.load(Backend.class, Backends.class.getClassLoader()).forEach(all::add);
        all.sort(Comparator.comparingInt(Backend::rank).reversed().thenComparing(Backend::name));
        return all;
    }

    /** The usable backends, best rank first. */
    public static List<Backend> usable() {
        return discovered().stream().filter(b -> b.availability().usable()).toList();
    }

    /** The backend chosen by the system property, the environment, or rank. */
    public static Backend select() {
        return select(System.getProperties(), System.getenv());
    }

    static Backend select(Properties properties, Map<String, String> environment) {
        List<Backend> all = discovered();
        String named = properties.getProperty(PROPERTY);
        String via = "-D" + PROPERTY;
        if (named == null || named.isBlank()) {
            named = environment.get(ENVIRONMENT);
            via = ENVIRONMENT;
        }
        if (named != null && !named.isBlank()) {
            String wanted = named.trim();
            for (Backend b : all) {
                if (b.name().equalsIgnoreCase(wanted)) {
                    if (!b.availability().usable()) {
                        throw new BackendException("backend '" + b.name() + "' (chosen by " + via + ") cannot run here: "
                                + b.availability().detail() + "\n" + describe(all));
                    }
                    return b;
                }
            }
            throw new BackendException("no backend named '" + wanted + "' (chosen by " + via + ")\n" + describe(all));
        }
        return all.stream().filter(b -> b.availability().usable()).findFirst()
                .orElseThrow(() -> new BackendException("no usable backend\n" + describe(all)));
    }

    /** One line per backend: name, rank, usable or not, and why. */
    public static String describe() {
        return describe(discovered());
    }

    static String describe(List<Backend> all) {
        if (all.isEmpty()) {
            return "backends found: none (is amctkit-kernels on the class path?)";
        }
        StringBuilder out = new StringBuilder("backends found:");
        for (Backend b : all) {
            Backend.Availability a = b.availability();
            out.append("\n  ").append(b.name()).append(" (rank ").append(b.rank()).append("): ")
                    .append(a.usable() ? "usable — " : "unusable — ").append(a.detail());
        }
        return out.toString();
    }

    /** No backend fits the request; the message lists every backend found and why it is unusable. */
    public static final class BackendException extends IllegalStateException {
        public BackendException(String message) {
            super(message);
        }
    }
}
