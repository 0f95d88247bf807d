package io.amctkit.runtime.prune;

import java.util.List;

/**
 * One AMCT filter-prune record ({@code prune_record}): the layers whose output channels are pruned together (several
 * when their outputs meet in an Add) and every node that reads those channels (convolutions, linears, batch norms,
 * and the Add or Concat they pass), in the order AMCT writes them.
 */
public record FilterPruneRecord(List<PruneEntry> producers, List<PruneEntry> consumers) {

    public FilterPruneRecord {
        producers = List.copyOf(producers);
        consumers = List.copyOf(consumers);
    }

    /** Whether AMCT found channels to prune (a record can stay without {@code prune_index}). */
    public boolean prunes() {
        return !producers.isEmpty() && producers.get(0).pruneIndex().length > 0;
    }

    /** The producers' names. */
    public List<String> producerNames() {
        return producers.stream().map(PruneEntry::name).toList();
    }
}
