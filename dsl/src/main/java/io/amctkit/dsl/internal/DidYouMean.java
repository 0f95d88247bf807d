package io.amctkit.dsl.internal;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Picks the closest known name for a misspelt one ({@code skip_layer} → {@code skip_layers}, {@code INT9} →
 * {@code INT8}, {@code conv2d} → {@code Conv2d}), or nothing when no candidate is close enough to be a plausible typo.
 */
public final class DidYouMean {

    private DidYouMean() {
    }

    public static Optional<String> suggest(String wrong, Collection<String> candidates) {
        String best = null;
        long bestScore = Long.MAX_VALUE;
        for (String candidate : candidates) {
            if (candidate.equals(wrong)) {
                continue;
            }
            long score = score(wrong, candidate);
            if (score < bestScore) {
                bestScore = score;
                best = candidate;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        int distance = levenshtein(wrong.toLowerCase(Locale.ROOT), best.toLowerCase(Locale.ROOT));
        int allowed = Math.max(2, Math.min(wrong.length(), best.length()) / 3);
        boolean contains = wrong.length() >= 4 && best.toLowerCase(Locale.ROOT).contains(wrong.toLowerCase(Locale.ROOT));
        return distance <= allowed || contains ? Optional.of(best) : Optional.empty();
    }

    /** Edit distance first (case-insensitive, a case-only difference ranks best), then how close the changed characters are. */
    private static long score(String wrong, String candidate) {
        String a = wrong.toLowerCase(Locale.ROOT);
        String b = candidate.toLowerCase(Locale.ROOT);
        long distance = levenshtein(a, b);
        long closeness = 0;
        if (a.length() == b.length()) {
            for (int i = 0; i < a.length(); i++) {
                closeness += Math.abs(a.charAt(i) - b.charAt(i));
            }
        } else {
            closeness = 1000 + Math.abs(a.length() - b.length());
        }
        return distance * 1_000_000L + Math.min(closeness, 999_999L);
    }

    static int levenshtein(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
