package io.amctkit.runtime.prune;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * One node of an AMCT filter-prune record ({@code PruneNode}): its name, ONNX type, where the record's channels sit on
 * its own channel axis ({@code begin}/{@code end}), its group count when it is a grouped convolution, the record's
 * balance group ({@code prune_group}, producers only) and the pruned channels in its own axis ({@code prune_index}).
 * The attributes are written in AMCT's order: type, begin, end, group, prune_group, prune_index.
 */
public record PruneEntry(String name, String type, int begin, int end, OptionalInt group, OptionalInt pruneGroup,
                         int[] pruneIndex) {

    public PruneEntry {
        pruneIndex = pruneIndex.clone();
    }

    @Override
    public int[] pruneIndex() {
        return pruneIndex.clone();
    }

    /** The number of channels the record covers here. */
    public int width() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PruneEntry e && name.equals(e.name) && type.equals(e.type) && begin == e.begin && end == e.end
                && group.equals(e.group) && pruneGroup.equals(e.pruneGroup) && Arrays.equals(pruneIndex, e.pruneIndex);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + begin;
    }

    @Override
    public String toString() {
        return name + " " + type + " [" + begin + "," + end + ")" + (pruneIndex.length > 0 ? " idx " + Arrays.toString(pruneIndex) : "");
    }
}
