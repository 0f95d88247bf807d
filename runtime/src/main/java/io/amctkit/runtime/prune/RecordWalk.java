package io.amctkit.runtime.prune;

import io.amctkit.runtime.prune.PruneGraph.Node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * AMCT's {@code PruneHelper.find_prune_consumers}: every node of the simplified graph in topological order, then the
 * model outputs, each handled by the helper of its role (active producer, passive consumer, Add, Concat on axis 1,
 * blocker), creating, extending, merging and deleting records exactly as AMCT's helpers do — including AMCT's
 * bookkeeping quirks (only producer[0] carries the balance group a consumer asks for, a merge takes the largest group,
 * the consumer after a Concat counts its ranges over the records only). A deleted record is remembered with why, so
 * the layers it held can say which op kept them whole.
 */
final class RecordWalk {

    /** A record under construction (AMCT's mutable {@code PruneRecord}). */
    static final class Draft {
        final List<Entry> producers = new ArrayList<>();
        final List<Entry> consumers = new ArrayList<>();
        /** A node that passes the record on though its output has other channels: AMCT's forward check fails. */
        String brokenBy;
        /** A consumer with no module: AMCT raises RuntimeError when it prunes the record. */
        String crashAt;
        /** A node reading the channels at an input AMCT never looks at (pruning-graph.md §9.4). */
        String unreadAt;
        /** The consumer after a Concat whose ranges AMCT miscounts (§8.4). */
        String offsetBug;

        int axis() {
            return producers.get(0).axis;
        }

        int width() {
            return producers.get(0).end - producers.get(0).begin;
        }

        int[] index() {
            return producers.get(0).index;
        }
    }

    /** A record node under construction. */
    static final class Entry {
        final String name;
        final String type;
        int begin;
        int end;
        Integer group;
        Integer pruneGroup;
        int[] index = new int[0];
        final int axis;   // producers: Conv 1, Gemm/MatMul -1 (AMCT's prune_axis, dropped before saving)

        Entry(String name, String type, int begin, int end, int axis) {
            this.name = name;
            this.type = type;
            this.begin = begin;
            this.end = end;
            this.axis = axis;
        }

        int width() {
            return end - begin;
        }
    }

    private final PruneGraph graph;
    private final Predicate<String> enabled;
    private final List<Draft> records = new ArrayList<>();
    private final Map<Node, List<Draft>> active = new HashMap<>();
    private final Map<Node, List<Draft>> passive = new HashMap<>();
    private final Map<Node, Boolean> unableActive = new HashMap<>();
    private final Map<String, List<Node>> byName = new HashMap<>();
    private final Map<String, String> deleted = new LinkedHashMap<>();

    private RecordWalk(PruneGraph graph, Predicate<String> enabled) {
        this.graph = graph;
        this.enabled = enabled;
        graph.nodes().forEach(n -> byName.computeIfAbsent(n.name(), k -> new ArrayList<>()).add(n));
    }

    /** The walk's records (in AMCT's order) and, per producer whose record was deleted, why. */
    record Outcome(List<Draft> records, Map<String, String> deleted) {
    }

    static Outcome run(PruneGraph graph, Predicate<String> filterPruneEnabled) {
        RecordWalk w = new RecordWalk(graph, filterPruneEnabled);
        for (Node n : graph.nodes()) {
            w.visit(n);
        }
        for (String out : graph.outputs()) {
            List<Draft> r = w.recordsOf(out);
            if (r != null) {
                w.deleteAll(r, "its output reaches the model output " + out + " (AMCT never prunes what the model returns)");
            }
        }
        for (Draft d : w.records) {   // _delete_redundant_record: the fake D4toD2 consumer goes
            d.consumers.stream().filter(c -> c.type.equals(PruneRoles.D4TO2)).findFirst().ifPresent(d.consumers::remove);
        }
        return new Outcome(List.copyOf(w.records), Map.copyOf(w.deleted));
    }

    /** AMCT's {@code check_graph_prune_type}: a Conv with a 2-D kernel that is not depthwise, a Gemm or MatMul; not reused. */
    static boolean prunableType(Node n) {
        if (!PruneRoles.PRUNABLE.contains(n.op()) || n.reused()) {
            return false;
        }
        if (n.op().equals("Conv")) {
            return n.weightShape().length == 4 && !n.depthwiseByWeight();
        }
        return true;
    }

    private boolean isActive(Node n) {
        return prunableType(n) && n.layer().isPresent() && enabled.test(n.name());
    }

    private void visit(Node n) {
        String op = n.op();
        if (isActive(n)) {
            setProducerForPassive(n, pruneGroup(n), recordsOf(input(n, 0)));
            setProducerFurther(n);
            flagUnreadInputs(n);
            createRecord(n);
        } else if (PruneRoles.PASSIVE.contains(op) || op.equals(PruneRoles.D4TO2)) {
            unableActive.put(n, !prunableType(n));
            setProducerForPassive(n, pruneGroup(n), recordsOf(input(n, 0)));
            setProducerFurther(n);
            flagUnreadInputs(n);
            flagPruneTimeFailures(n);
        } else if (op.equals(PruneRoles.ELTWISE) && n.inputs().size() == 2) {
            eltwise(n);
        } else if (op.equals("Concat") && n.attr("axis", 0) == 1) {
            concat(n);
        } else {
            for (String in : n.inputs()) {
                List<Draft> r = recordsOf(in);
                if (r != null) {
                    deleteAll(r, "its output reaches " + graph.describe(n) + " node '" + n.name()
                            + "', which AMCT's pruning does not pass");
                }
            }
        }
    }

    private static String input(Node n, int i) {
        return i < n.inputs().size() ? n.inputs().get(i) : "";
    }

    /** AMCT's {@code get_prune_group}: a convolution's group count, 1 for depthwise and everything else. */
    private static int pruneGroup(Node n) {
        if (!n.op().equals("Conv") && !n.op().equals("ConvTranspose")) {
            return 1;
        }
        return n.depthwiseByWeight() ? 1 : n.group();
    }

    /** {@code get_producer_record}: an active producer's own records, else what the node passed on; null if none. */
    List<Draft> recordsOf(String tensor) {
        var src = graph.producer(tensor);
        if (src.isEmpty() || src.get().slot() != 0) {
            return null;
        }
        Node p = src.get().node();
        List<Draft> r = PruneRoles.PRUNABLE.contains(p.op()) && !unableActive.getOrDefault(p, false) ? active.get(p) : passive.get(p);
        return r == null || r.isEmpty() ? null : r;
    }

    private void createRecord(Node n) {
        Draft d = new Draft();
        records.add(d);
        Entry e = new Entry(n.name(), n.op(), 0, n.cout(), n.op().equals("Conv") ? 1 : -1);
        d.producers.add(e);
        active.put(n, new ArrayList<>(List.of(d)));
        int g = pruneGroup(n);
        if (g != 1) {
            e.group = g;
            setPruneGroup(d, g);
        }
    }

    private void setProducerForPassive(Node n, int group, List<Draft> incoming) {
        if (incoming == null) {
            return;
        }
        List<Draft> recs = List.copyOf(incoming);
        if (group != 1) {
            if (recs.size() > 1) {
                deleteAll(recs, "its channels reach grouped convolution '" + n.name() + "' through a Concat (AMCT: \"concat + group conv\" is not supported)");
                return;
            }
            if (!setPruneGroup(recs.get(0), group)) {
                delete(recs.get(0), "grouped convolution '" + n.name() + "' (groups " + group + ") reads its channels, and its prune group "
                        + recs.get(0).producers.get(0).pruneGroup + " cannot be balanced for both");
                return;
            }
        }
        int cursor = 0;
        for (Draft d : recs) {
            int len = d.width();
            Entry c = new Entry(n.name(), n.op(), cursor, cursor + len, 0);
            if (group != 1) {
                c.group = group;
            }
            if (recs.size() > 1 && d.offsetBug == null) {
                for (int i = d.consumers.size() - 1; i >= 0; i--) {
                    Entry cat = d.consumers.get(i);
                    if (cat.type.equals("Concat")) {
                        if (cat.begin != cursor) {
                            d.offsetBug = n.name() + " reads these channels at [" + cat.begin + "," + cat.end + ") of its input (where "
                                    + cat.name + " puts them), but AMCT's record says [" + cursor + "," + (cursor + len) + ")";
                        }
                        break;
                    }
                }
            }
            d.consumers.add(c);
            cursor += len;
        }
        passive.put(n, new ArrayList<>(recs));
    }

    /** {@code set_producer_further}: the axis check of convolution and linear consumers, and BatchNorm1d after a MatMul. */
    private void setProducerFurther(Node n) {
        List<Draft> mine = passive.get(n);
        if (mine == null || mine.isEmpty()) {
            return;
        }
        String op = n.op();
        if (op.equals("Conv") || op.equals("ConvTranspose") || op.equals("MatMul") || op.equals("Gemm")) {
            int axis = op.startsWith("Conv") ? 1 : -1;
            boolean disable = false;
            for (Draft d : mine) {
                if (d.axis() == axis) {
                    continue;
                }
                boolean viaGap = axis == -1 && d.axis() == 1 && d.consumers.stream().anyMatch(c -> c.type.equals(PruneRoles.D4TO2));
                if (!viaGap) {
                    disable = true;
                    break;
                }
            }
            if (disable) {
                String why = "its channels reach " + op + " '" + n.name() + "' along another axis (AMCT prunes Conv→Conv and"
                        + " Linear→Linear, and Conv→Linear only through GlobalAveragePool + Flatten)";
                while (!mine.isEmpty()) {
                    delete(mine.get(0), why);
                }
            }
        }
        if (op.equals("BatchNormalization") && !mine.isEmpty()
                && mine.stream().allMatch(d -> d.producers.stream().allMatch(p -> p.type.equals("MatMul")))) {
            String why = "its channels reach BatchNorm1d '" + n.name() + "' after a MatMul (AMCT: \"MatMul+BatchNorm1d\" is not pruned)";
            while (!mine.isEmpty()) {
                delete(mine.get(0), why);
            }
        }
    }

    /** Records arriving at an input AMCT's helpers never read (input 1 of a MatMul): AMCT prunes them anyway. */
    private void flagUnreadInputs(Node n) {
        for (int i = 1; i < n.inputs().size(); i++) {
            List<Draft> r = recordsOf(n.inputs().get(i));
            if (r != null) {
                for (Draft d : r) {
                    if (d.unreadAt == null) {
                        d.unreadAt = n.op() + " '" + n.name() + "' reads these channels at its input " + i;
                    }
                }
            }
        }
    }

    /** What AMCT's pruning step does with a record this consumer passes on or has no module for (§9.3, §9.5, §7.6). */
    private void flagPruneTimeFailures(Node n) {
        List<Draft> mine = passive.get(n);
        if (mine == null || mine.isEmpty()) {
            return;
        }
        String crash = null;
        String broken = null;
        String op = n.op();
        if ((PruneRoles.PRUNABLE.contains(op) || op.equals("ConvTranspose")) && (!n.hasWeight() || n.layer().isEmpty())) {
            crash = op + " '" + n.name() + "' has no module (AMCT: RuntimeError: Not support module type <class 'NoneType'>)";
        } else if ((op.equals("Conv") || op.equals("ConvTranspose")) && n.weightShape().length != 4) {
            crash = op + " '" + n.name() + "' is not 2-D (AMCT: RuntimeError: Not support module type "
                    + n.layer().map(l -> l.type()).orElse(op) + ")";
        } else if (op.equals("ConvTranspose")) {
            broken = "ConvTranspose '" + n.name() + "' passes the record on though its output has other channels";
        } else if (op.equals("Conv") && unableActive.getOrDefault(n, false)
                && !(n.depthwiseByWeight() && n.group() == n.cin() && n.cin() == n.cout())) {
            broken = "Conv '" + n.name() + "' passes the record on though its output has other channels"
                    + (n.depthwiseByWeight() && n.cout() != n.cin() ? " (a depthwise convolution with a depth multiplier)" : "");
        } else if (n.reused() && unableActive.getOrDefault(n, false)) {
            broken = op + " '" + n.name() + "' is a module called more than once; it passes the record on unchanged";
        }
        for (Draft d : mine) {
            if (crash != null && d.crashAt == null) {
                d.crashAt = crash;
            }
            if (broken != null && d.brokenBy == null) {
                d.brokenBy = broken;
            }
        }
    }

    private void eltwise(Node n) {
        List<Draft> in0 = recordsOf(n.inputs().get(0));
        List<Draft> in1 = recordsOf(n.inputs().get(1));
        if (in0 == null && in1 == null) {
            return;
        }
        String where = "its output meets, in Add '" + n.name() + "', ";
        if (in0 == null || in1 == null) {
            deleteAll(in0 == null ? in1 : in0, where + "a tensor that no pruned layer produces (AMCT prunes an Add only when"
                    + " both inputs come from pruned layers)");
            return;
        }
        if (in0.size() > 1 || in1.size() > 1) {
            List<Draft> a = List.copyOf(in0);
            deleteAll(List.copyOf(in1), where + "the output of a Concat (AMCT needs one record on each Add input)");
            deleteAll(a, where + "the output of a Concat (AMCT needs one record on each Add input)");
            return;
        }
        if (in0.get(0).axis() != in1.get(0).axis()) {
            Draft a = in0.get(0);
            Draft b = in1.get(0);
            delete(a, where + "channels on another axis");
            if (b != a) {
                delete(b, where + "channels on another axis");
            }
            return;
        }
        Draft m = merge(in0.get(0), in1.get(0));
        m.consumers.add(new Entry(n.name(), n.op(), 0, m.width(), 0));
        passive.put(n, new ArrayList<>(List.of(m)));
    }

    private void concat(Node n) {
        boolean doPrune = true;
        int cursor = 0;
        List<Draft> recs = new ArrayList<>();
        List<int[]> ranges = new ArrayList<>();
        for (String in : n.inputs()) {
            List<Draft> r = recordsOf(in);
            if (r == null) {
                var src = graph.producer(in);
                int cout = src.isPresent() && PruneRoles.PASSIVE.contains(src.get().node().op()) ? src.get().node().cout() : -1;
                if (cout < 0) {
                    doPrune = false;
                } else {
                    cursor += cout;
                }
                continue;
            }
            for (Draft d : List.copyOf(r)) {
                recs.add(d);
                ranges.add(new int[]{cursor, cursor + d.width()});
                cursor += d.width();
            }
        }
        if (recs.isEmpty()) {
            return;
        }
        int axis = recs.get(0).axis();
        boolean sameAxis = recs.stream().allMatch(d -> d.axis() == axis);
        if (!doPrune || !sameAxis || axis != 1) {
            deleteAll(recs, "its output reaches Concat '" + n.name() + "', "
                    + (!doPrune ? "one of whose other inputs has a channel count AMCT cannot determine" : "which AMCT prunes only for convolution outputs"));
            return;
        }
        for (int i = 0; i < recs.size(); i++) {
            recs.get(i).consumers.add(new Entry(n.name(), n.op(), ranges.get(i)[0], ranges.get(i)[1], 0));
        }
        passive.put(n, new ArrayList<>(recs));
    }

    /** {@code set_prune_group}: only producer[0] is consulted (AMCT returns inside its loop). */
    private static boolean setPruneGroup(Draft d, int group) {
        Entry p = d.producers.get(0);
        if (p.pruneGroup == null) {
            p.pruneGroup = group;
            return true;
        }
        if (p.pruneGroup % group == 0) {
            return true;
        }
        if (group % p.pruneGroup == 0) {
            p.pruneGroup = group;
            return true;
        }
        return false;
    }

    /** {@code merge_record}: record 2's nodes appended to record 1, the largest prune group on every producer. */
    private Draft merge(Draft r1, Draft r2) {
        if (r1 == r2) {
            return r1;
        }
        List<String> producerNames = r2.producers.stream().map(e -> e.name).distinct().toList();
        List<String> consumerNames = r2.consumers.stream().map(e -> e.name).distinct().toList();
        r1.producers.addAll(r2.producers);
        r1.consumers.addAll(r2.consumers);
        for (String name : producerNames) {
            for (Node node : byName.getOrDefault(name, List.of())) {
                List<Draft> l = active.get(node);
                if (l != null && l.remove(r2)) {
                    l.add(r1);
                }
            }
        }
        for (String name : consumerNames) {
            for (Node node : byName.getOrDefault(name, List.of())) {
                List<Draft> l = passive.get(node);
                if (l != null && l.remove(r2)) {
                    l.add(r1);
                }
            }
        }
        int group = r1.producers.stream().filter(p -> p.pruneGroup != null).mapToInt(p -> p.pruneGroup).max().orElse(0);
        if (group > 0) {
            r1.producers.forEach(p -> p.pruneGroup = group);
        }
        r1.brokenBy = r1.brokenBy != null ? r1.brokenBy : r2.brokenBy;
        r1.crashAt = r1.crashAt != null ? r1.crashAt : r2.crashAt;
        r1.unreadAt = r1.unreadAt != null ? r1.unreadAt : r2.unreadAt;
        r1.offsetBug = r1.offsetBug != null ? r1.offsetBug : r2.offsetBug;
        records.remove(r2);
        return r1;
    }

    private void deleteAll(List<Draft> drafts, String why) {
        for (Draft d : List.copyOf(drafts)) {
            delete(d, why);
        }
    }

    /** {@code delete_record}: gone from every node and from the record list; its producers keep all their channels. */
    private void delete(Draft d, String why) {
        if (!records.contains(d)) {
            return;
        }
        for (Entry p : d.producers) {
            for (Node node : byName.getOrDefault(p.name, List.of())) {
                List<Draft> l = active.get(node);
                if (l != null) {
                    l.remove(d);
                }
            }
            deleted.putIfAbsent(p.name, why);
        }
        for (Entry c : d.consumers) {
            for (Node node : byName.getOrDefault(c.name, List.of())) {
                List<Draft> l = passive.get(node);
                if (l != null) {
                    l.remove(d);
                }
            }
        }
        records.remove(d);
    }
}
