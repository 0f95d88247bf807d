package io.amctkit.runtime.model.torch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader for PyTorch state_dicts that never executes anything: it understands the opcodes of protocols 2–5
 * that {@code torch.save} writes, and the only globals it accepts are the handful a state_dict needs
 * ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_parameter} and the typed
 * storage classes). Any other global — {@code os.system}, {@code builtins.eval}, … — is refused before anything is
 * built, as is any opcode outside that subset.
 */
public final class StateDictPickle {

    /** The globals a state_dict may name, as "module.name". */
    static final Set<String> ALLOWED = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
            "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage",
            "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage", "torch.ByteStorage",
            "torch.BoolStorage", "torch._utils._rebuild_tensor", "builtins.set", "builtins.frozenset");

    /** A refused or malformed pickle. */
    public static final class PickleException extends RuntimeException {
        PickleException(String message) {
            super(message, null, false, false);
        }
    }

    /** A named global (a whitelisted class or function), as a value on the stack. */
    record Global(String name) {
    }

    /** A storage reference from {@code persistent_load}: ('storage', type, key, location, numel). */
    public record StorageRef(String storageType, String key, long elements) {
    }

    /** A tensor view of a storage, from {@code _rebuild_tensor_v2}. */
    public record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
    }

    private static final Object MARK = new Object();

    /** Bounds stated up front: stack and memo entries, and bytes of one string. */
    static final int MAX_STACK = 1_000_000;
    static final int MAX_MEMO = 1_000_000;

    /** Opcodes that build or call objects, refused by name (a state_dict needs none of them). */
    private static final Map<Integer, String> REFUSED = Map.ofEntries(
            Map.entry((int) 'i', "INST"), Map.entry((int) 'o', "OBJ"), Map.entry(0x81, "NEWOBJ"),
            Map.entry(0x92, "NEWOBJ_EX"), Map.entry(0x82, "EXT1"), Map.entry(0x83, "EXT2"), Map.entry(0x84, "EXT4"),
            Map.entry((int) 'P', "PERSID"), Map.entry((int) 'I', "INT"), Map.entry((int) 'L', "LONG"),
            Map.entry((int) 'F', "FLOAT"), Map.entry((int) 'S', "STRING"), Map.entry((int) 'V', "UNICODE"),
            Map.entry((int) 'p', "PUT"), Map.entry((int) 'g', "GET"), Map.entry((int) 'l', "LIST"), Map.entry((int) 'd', "DICT"),
            Map.entry(0x8b, "LONG4"), Map.entry(0x8d, "BINUNICODE8"), Map.entry(0x8e, "BINBYTES8"),
            Map.entry(0x91, "FROZENSET"), Map.entry(0x96, "BYTEARRAY8"), Map.entry(0x97, "NEXT_BUFFER"),
            Map.entry(0x98, "READONLY_BUFFER"));

    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    private StateDictPickle(byte[] data) {
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads {@code data.pkl}: the state_dict as name → {@link TensorRef} (other values are kept as read). */
    public static Object load(byte[] data) {
        try {
            return new StateDictPickle(data).run();
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new PickleException("the pickle ends early or refers to missing memo entries: truncated or corrupt");
        }
    }

    private Object run() {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> in.get();                                   // PROTO
                case 0x95 -> in.getLong();                               // FRAME
                case '.' -> {                                            // STOP
                    return pop();
                }
                case '}' -> push(new LinkedHashMap<>());                 // EMPTY_DICT
                case ']' -> push(new ArrayList<>());                     // EMPTY_LIST
                case ')' -> push(List.of());                             // EMPTY_TUPLE
                case 0x8f -> push(new java.util.LinkedHashSet<>());      // EMPTY_SET
                case '(' -> push(MARK);                                  // MARK
                case 'N' -> push(null);                                  // NONE
                case 0x88 -> push(Boolean.TRUE);                         // NEWTRUE
                case 0x89 -> push(Boolean.FALSE);                        // NEWFALSE
                case 'K' -> push((long) (in.get() & 0xff));              // BININT1
                case 'M' -> push((long) (in.getShort() & 0xffff));       // BININT2
                case 'J' -> push((long) in.getInt());                    // BININT
                case 0x8a -> push(long1(in.get() & 0xff));               // LONG1
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT (big-endian)
                case 'X' -> push(text(in.getInt()));                     // BINUNICODE
                case 0x8c -> push(text(in.get() & 0xff));                // SHORT_BINUNICODE
                case 'T' -> push(text(in.getInt()));                     // BINSTRING
                case 'U' -> push(text(in.get() & 0xff));                 // SHORT_BINSTRING
                case 'B' -> push(bytes(in.getInt()));                    // BINBYTES
                case 'C' -> push(bytes(in.get() & 0xff));                // SHORT_BINBYTES
                case 'q' -> memoPut(in.get() & 0xff);                    // BINPUT
                case 'r' -> memoPut(in.getInt());                        // LONG_BINPUT
                case 0x94 -> memoPut(memo.size());                       // MEMOIZE
                case 'h' -> push(memoGet(in.get() & 0xff));              // BINGET
                case 'j' -> push(memoGet(in.getInt()));                  // LONG_BINGET
                case 't' -> push(java.util.Collections.unmodifiableList(popToMark())); // TUPLE
                case 0x85 -> push(Arrays.asList(pop()));                 // TUPLE1
                case 0x86 -> {                                           // TUPLE2
                    Object b = pop();
                    Object a = pop();
                    push(Arrays.asList(a, b));
                }
                case 0x87 -> {                                           // TUPLE3
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(Arrays.asList(a, b, c));
                }
                case 'a' -> {                                            // APPEND
                    Object v = pop();
                    growable(peek(), "APPEND").add(v);
                }
                case 'e' -> {                                            // APPENDS
                    List<Object> items = popToMark();
                    growable(peek(), "APPENDS").addAll(items);
                }
                case 's' -> {                                            // SETITEM
                    Object v = pop();
                    Object k = pop();
                    map(peek()).put(key(k), v);
                }
                case 'u' -> {                                            // SETITEMS
                    List<Object> items = popToMark();
                    Map<Object, Object> m = map(peek());
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        m.put(key(items.get(i)), items.get(i + 1));
                    }
                }
                case 0x90 -> {                                           // ADDITEMS
                    List<Object> items = popToMark();
                    if (!(peek() instanceof java.util.Set<?>)) {
                        throw new PickleException("ADDITEMS on a " + describe(peek()));
                    }
                    @SuppressWarnings("unchecked") java.util.Set<Object> set = (java.util.Set<Object>) peek();
                    items.forEach(item -> set.add(key(item)));
                }
                case 'c' -> push(global(line(), line()));                // GLOBAL
                case 0x93 -> {                                           // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    push(global(String.valueOf(module), String.valueOf(name)));
                }
                case 'Q' -> push(persistent(pop()));                     // BINPERSID
                case 'R' -> {                                            // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(call(callable, args));
                }
                case 'b' -> {                                            // BUILD: state of an OrderedDict (ignored)
                    pop();
                    if (!(peek() instanceof Map<?, ?>) && !(peek() instanceof TensorRef)) {
                        throw new PickleException("BUILD on a " + describe(peek()) + ": not part of a state_dict");
                    }
                }
                case '0' -> pop();                                       // POP
                case '1' -> popToMark();                                 // POP_MARK
                case '2' -> push(peek());                                // DUP
                default -> throw new PickleException(String.format(
                        "opcode %s at byte %d is not one a state_dict uses; amctkit reads only tensors and dicts"
                                + " from .pt files and never builds objects or runs code from them",
                        REFUSED.containsKey(op) ? REFUSED.get(op) + String.format(" (0x%02x)", op) : String.format("0x%02x", op),
                        in.position() - 1));
            }
        }
    }

    private Global global(String module, String name) {
        String full = module + "." + name;
        if (!ALLOWED.contains(full)) {
            throw new PickleException("the pickle asks for the global '" + full + "', which a state_dict never needs;"
                    + " refused (amctkit never executes code from model files: save the model with"
                    + " torch.save(model.state_dict(), path) or export it to ONNX or safetensors)");
        }
        return new Global(full);
    }

    private Object persistent(Object pid) {
        if (!(pid instanceof List<?> t) || t.size() < 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof Global g)) {
            throw new PickleException("a persistent id " + describe(pid) + " is not a storage reference");
        }
        return new StorageRef(g.name().substring("torch.".length()), String.valueOf(t.get(2)), asLong(t.get(4)));
    }

    private Object call(Object callable, Object args) {
        if (!(callable instanceof Global g) || !(args instanceof List<?> a)) {
            throw new PickleException("REDUCE on " + describe(callable) + ": only whitelisted globals can be called");
        }
        switch (g.name()) {
            case "collections.OrderedDict" -> {
                return new LinkedHashMap<>();
            }
            case "builtins.set", "builtins.frozenset" -> {
                java.util.Set<Object> set = new java.util.LinkedHashSet<>();
                if (!a.isEmpty()) {
                    list(a.get(0)).forEach(item -> set.add(key(item)));
                }
                return set;
            }
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                if (a.size() < 4 || !(a.get(0) instanceof StorageRef s)) {
                    throw new PickleException("_rebuild_tensor_v2 needs (storage, offset, size, stride, ...); got " + describe(args));
                }
                return new TensorRef(s, asLong(a.get(1)), longs(a.get(2)), longs(a.get(3)));
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (a.isEmpty() || !(a.get(0) instanceof TensorRef t)) {
                    throw new PickleException("_rebuild_parameter needs a tensor; got " + describe(args));
                }
                return t;
            }
            default -> throw new PickleException("the global " + g.name() + " cannot be called");
        }
    }

    private static long asLong(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        if (o instanceof BigInteger b && b.bitLength() < 64) {
            return b.longValue();
        }
        throw new PickleException("expected an integer, got " + describe(o));
    }

    private static long[] longs(Object o) {
        List<Object> l = list(o);
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = asLong(l.get(i));
        }
        return out;
    }

    private Object long1(int n) {
        byte[] b = new byte[n];
        in.get(b);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = b[n - 1 - i];
        }
        BigInteger v = n == 0 ? BigInteger.ZERO : new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String text(int length) {
        return new String(bytes(length), StandardCharsets.UTF_8);
    }

    private byte[] bytes(int length) {
        if (length < 0 || length > in.remaining()) {
            throw new PickleException("a string of " + length + " bytes runs past the end of the pickle");
        }
        byte[] b = new byte[length];
        in.get(b);
        return b;
    }

    private String line() {
        StringBuilder s = new StringBuilder();
        while (true) {
            byte b = in.get();
            if (b == '\n') {
                return s.toString();
            }
            if (s.length() > 256) {
                throw new PickleException("a global name longer than 256 bytes");
            }
            s.append((char) (b & 0xff));
        }
    }

    private void memoPut(int key) {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(key)) {
            throw new PickleException("the pickle's memo grows past " + MAX_MEMO + " entries");
        }
        memo.put(key, peek());
    }

    /**
     * A dict key or set member: what Python can hash (numbers, strings, bytes, None, booleans, tuples of those); a list,
     * dict or set is refused as Python refuses it, which also keeps self-containing lists out of hashing.
     */
    private static Object key(Object k) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof Double || k instanceof Boolean
                || k instanceof BigInteger || k instanceof byte[] || k instanceof Global) {
            return k;
        }
        if (k instanceof List<?> tuple && !(k instanceof ArrayList<?>)) {
            tuple.forEach(StateDictPickle::key);
            return k;
        }
        throw new PickleException("a dict key or set member that is a " + describe(k) + ": unhashable, not a state_dict");
    }

    /** The list that APPEND/APPENDS extend: a list the pickle made, never a tuple or anything else. */
    @SuppressWarnings("unchecked")
    private static List<Object> growable(Object o, String opcode) {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw new PickleException(opcode + " on a " + (o instanceof List<?> ? "tuple" : describe(o))
                + ": only a list can be appended to");
    }

    private Object memoGet(int key) {
        if (!memo.containsKey(key)) {
            throw new PickleException("the pickle refers to memo entry " + key + ", which it never stored");
        }
        return memo.get(key);
    }

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) {
            throw new PickleException("the pickle's stack grows past " + MAX_STACK + " entries");
        }
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty()) {
            throw new PickleException("the pickle pops an empty stack: corrupt");
        }
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) {
            throw new PickleException("the pickle pops a mark: corrupt");
        }
        return o;
    }

    private Object peek() {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw new PickleException("the pickle reads an empty stack: corrupt");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popToMark() {
        int m = stack.lastIndexOf(MARK);
        if (m < 0) {
            throw new PickleException("the pickle closes a mark it never opened: corrupt");
        }
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new PickleException("expected a list or tuple, got " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> map(Object o) {
        if (o instanceof LinkedHashMap<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw new PickleException("expected a dict, got " + describe(o));
    }

    private static String describe(Object o) {
        return o == null ? "None" : o instanceof Global g ? "global " + g.name() : o.getClass().getSimpleName();
    }
}
