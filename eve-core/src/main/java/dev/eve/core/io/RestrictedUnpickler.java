package dev.eve.core.io;

import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Storage;
import dev.eve.core.tensor.Tensor;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle virtual machine (protocols 0 to 5) that can only build data: containers, scalars,
 * strings, bytes and PyTorch tensors. It never looks up a class or calls anything by name: every
 * global the pickle asks for is resolved against a fixed allowlist of what {@code torch.save}
 * needs ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and friends,
 * the {@code torch.*Storage} types, {@code _codecs.encode} for protocol-2 bytes, and the
 * {@code set}/{@code frozenset}/{@code bytes}/{@code bytearray} builtins), each implemented here
 * in Java. Any other global ({@code os.system}, {@code builtins.eval}, {@code numpy.*}, classes
 * of {@code __main__}, ...) is refused at the opcode that names it, before anything else happens.
 *
 * <p>Python objects map to: dict/OrderedDict to {@link LinkedHashMap} (insertion order), list to
 * {@link ArrayList}, tuple to {@link PickleTuple} (an unmodifiable list), str to {@link String},
 * int to {@link Long} (or {@link BigInteger} when it does not fit), float to {@link Double},
 * bool to {@link Boolean}, None to null, bytes/bytearray to {@code byte[]}, set to a
 * {@link LinkedHashSet}, frozenset to an unmodifiable set, tensors to {@link Tensor}.
 *
 * <p>Every length is checked against the remaining input before anything is allocated; memo
 * indices live in a hash map; the machine itself is iterative, and the finished object graph is
 * checked (without recursion) to be acyclic and at most {@link #MAX_DEPTH} containers deep, so
 * that later recursive code (equals, hashCode, printing) cannot overflow the stack. Every
 * problem is a one-line {@link CheckpointException} naming the file.
 */
public final class RestrictedUnpickler {

    /** Deepest container nesting accepted (a state dict with its config needs about 4). */
    public static final int MAX_DEPTH = 200;
    /** Largest LONG1/LONG4 integer accepted, in bytes (8192 bits). */
    static final int MAX_LONG_BYTES = 1 << 10;
    /**
     * Most opcodes one pickle may run. Each builds at most a few dozen bytes of objects beyond the
     * bytes it reads, so this bounds the memory a small hostile pickle can claim (a torch state dict
     * needs about 60 per tensor).
     */
    static final long MAX_OPCODES = 20_000_000L;
    /** Most scalars in one dict key or set element (tuples and frozensets counted through). */
    static final int MAX_KEY_ELEMENTS = 64;
    /** Longest decimal integer accepted by the text opcodes (as CPython's int limit). */
    static final int MAX_DECIMAL_DIGITS = 4300;

    /** Resolves the persistent ids of PERSID/BINPERSID (torch's storage references). */
    @FunctionalInterface
    public interface PersistentLoader {
        Object load(Object pid);
    }

    /** A {@code torch.*Storage} global: the element type of a storage. */
    public record StorageType(String name, String dtype, int elementSize) {
        @Override
        public String toString() {
            return "torch." + name;
        }
    }

    /** A storage loaded by the persistent loader: the target of {@code _rebuild_tensor_v2}. */
    public record StorageRef(String key, StorageType type, Storage storage) {}

    /** The callables of the allowlist, implemented in Java. */
    private enum Builtin {
        ORDERED_DICT("collections.OrderedDict"),
        REBUILD_TENSOR_V2("torch._utils._rebuild_tensor_v2"),
        REBUILD_TENSOR("torch._utils._rebuild_tensor"),
        REBUILD_PARAMETER("torch._utils._rebuild_parameter"),
        CODECS_ENCODE("_codecs.encode"),
        SET("builtins.set"),
        FROZENSET("builtins.frozenset"),
        BYTES("builtins.bytes"),
        BYTEARRAY("builtins.bytearray");

        final String qualifiedName;

        Builtin(String qualifiedName) {
            this.qualifiedName = qualifiedName;
        }
    }

    private static final Map<String, Object> ALLOWED_GLOBALS = new HashMap<>();

    static {
        for (Builtin b : Builtin.values()) {
            int dot = b.qualifiedName.lastIndexOf('.');
            ALLOWED_GLOBALS.put(globalKey(b.qualifiedName.substring(0, dot), b.qualifiedName.substring(dot + 1)), b);
        }
        String[][] storages = {
                {"FloatStorage", "F32", "4"}, {"DoubleStorage", "F64", "8"}, {"HalfStorage", "F16", "2"},
                {"BFloat16Storage", "BF16", "2"}, {"LongStorage", "I64", "8"}, {"IntStorage", "I32", "4"},
                {"ShortStorage", "I16", "2"}, {"CharStorage", "I8", "1"}, {"ByteStorage", "U8", "1"},
                {"BoolStorage", "BOOL", "1"}};
        for (String[] s : storages)
            ALLOWED_GLOBALS.put(globalKey("torch", s[0]), new StorageType(s[0], s[1], Integer.parseInt(s[2])));
    }

    /** Globals match on the exact (module, name) pair: no dotted-name lookups. */
    private static String globalKey(String module, String name) {
        return module + "\0" + name;
    }

    /** The storage type global torch uses for a safetensors dtype name, or null. */
    static StorageType storageTypeFor(String dtype) {
        for (Object g : ALLOWED_GLOBALS.values())
            if (g instanceof StorageType st && st.dtype().equals(dtype)) return st;
        return null;
    }

    private final String file;
    private final String entry;
    private final byte[] data;
    private final PersistentLoader persistentLoader;

    private long opcodeBudget = MAX_OPCODES;
    private int pos;
    private int opStart;
    private int opcode = -1;
    private final ArrayList<Object> stack = new ArrayList<>();
    private int[] marks = new int[16];
    private int markCount;
    private final HashMap<Long, Object> memo = new HashMap<>();
    private final Set<Object> orderedDicts = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * @param file   the file the pickle comes from (first part of every error message)
     * @param entry  the pickle's name inside that file, e.g. {@code data.pkl}
     * @param data   the pickle bytes
     * @param loader resolves persistent ids; null refuses them
     */
    public RestrictedUnpickler(String file, String entry, byte[] data, PersistentLoader loader) {
        this.file = file;
        this.entry = entry;
        this.data = data;
        this.persistentLoader = loader;
    }

    /** Unpickles a pickle that holds no tensors (persistent ids are refused). */
    public static Object loads(String file, byte[] data) {
        return new RestrictedUnpickler(file, "pickle", data, null).load();
    }

    /** Runs the pickle up to its STOP opcode and returns the object it built. */
    public Object load() {
        try {
            Object result = run();
            checkStructure(result);
            return result;
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // Defence in depth: every malformed input should have been caught by an explicit check.
            throw fail("malformed pickle: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + oneLine(e.getMessage())));
        }
    }

    // ================================================================= the machine

    private Object run() {
        while (true) {
            if (pos >= data.length) {
                opStart = pos;
                opcode = -1;
                throw fail("truncated pickle: no STOP opcode before the end of the data");
            }
            opStart = pos;
            opcode = data[pos++] & 0xFF;
            if (--opcodeBudget < 0) throw fail("more than " + MAX_OPCODES + " opcodes: too large for a checkpoint pickle");
            switch (opcode) {
                case 0x80 -> { // PROTO
                    int proto = u8();
                    if (proto > 5) throw fail("unsupported pickle protocol " + proto);
                }
                case 0x95 -> { // FRAME: only a hint for buffering
                    long n = u64();
                    if (n > data.length - pos) throw truncated(n);
                }
                case '.' -> { // STOP
                    return pop();
                }
                case '(' -> pushMark();
                case '0' -> { // POP
                    if (stack.size() > fence()) stack.remove(stack.size() - 1);
                    else if (markCount > 0) popMark();
                    else throw fail("stack underflow");
                }
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'I' -> { // INT
                    String s = asciiLine();
                    if (s.equals("00")) push(Boolean.FALSE);
                    else if (s.equals("01")) push(Boolean.TRUE);
                    else push(parseDecimal(s));
                }
                case 'J' -> push((long) i32());
                case 'K' -> push((long) u8());
                case 'M' -> push((long) u16());
                case 'L' -> { // LONG
                    String s = asciiLine();
                    if (s.endsWith("L")) s = s.substring(0, s.length() - 1);
                    push(parseDecimal(s));
                }
                case 0x8a -> push(decodeLong(u8())); // LONG1
                case 0x8b -> { // LONG4
                    int n = i32();
                    if (n < 0) throw fail("negative LONG4 length " + n);
                    if (n > MAX_LONG_BYTES) throw fail("LONG4 integer of " + n + " bytes is too large (limit " + MAX_LONG_BYTES + ")");
                    push(decodeLong(n));
                }
                case 'F' -> push(parseFloat(asciiLine()));
                case 'G' -> {
                    need(8);
                    long bits = 0;
                    for (int i = 0; i < 8; i++) bits = (bits << 8) | (data[pos++] & 0xFF);
                    push(Double.longBitsToDouble(bits));
                }
                case 'S' -> push(utf8(unescapeString(line()))); // STRING
                case 'T' -> { // BINSTRING
                    int n = i32();
                    if (n < 0) throw fail("negative BINSTRING length " + n);
                    push(utf8(bytes(n)));
                }
                case 'U' -> push(utf8(bytes(u8()))); // SHORT_BINSTRING
                case 'V' -> push(rawUnicodeEscape(line())); // UNICODE
                case 'X' -> push(utf8(bytes(u32()))); // BINUNICODE
                case 0x8c -> push(utf8(bytes(u8()))); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(bytes(u64()))); // BINUNICODE8
                case 'B' -> push(bytes(u32())); // BINBYTES
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e, 0x96 -> push(bytes(u64())); // BINBYTES8, BYTEARRAY8
                case ')' -> push(PickleTuple.wrap(new Object[0]));
                case 't' -> push(PickleTuple.wrap(popMark().toArray()));
                case 0x85 -> push(PickleTuple.wrap(new Object[] {pop()}));
                case 0x86 -> {
                    Object b = pop(), a = pop();
                    push(PickleTuple.wrap(new Object[] {a, b}));
                }
                case 0x87 -> {
                    Object c = pop(), b = pop(), a = pop();
                    push(PickleTuple.wrap(new Object[] {a, b, c}));
                }
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark()));
                case 'a' -> { // APPEND
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    Map<Object, Object> d = new LinkedHashMap<>();
                    putAll(d, items);
                    push(d);
                }
                case 's' -> { // SETITEM
                    Object v = pop(), k = pop();
                    put(dict(peek()), k, v);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    putAll(dict(peek()), items);
                }
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    Set<Object> set = mutableSet(peek());
                    for (Object o : items) set.add(hashable(o, "set element"));
                }
                case 0x91 -> push(frozenset(popMark())); // FROZENSET
                case 'c' -> { // GLOBAL
                    String module = utf8(line());
                    String name = utf8(line());
                    push(resolveGlobal(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n))
                        throw fail("STACK_GLOBAL needs two strings, got " + describe(module) + " and " + describe(name));
                    push(resolveGlobal(m, n));
                }
                case 'R' -> { // REDUCE
                    Object args = pop(), func = pop();
                    push(call(func, args));
                }
                case 'b' -> { // BUILD
                    pop(); // the state: torch pickles the state dict's _metadata this way; not needed here
                    Object obj = peek();
                    if (!orderedDicts.contains(obj))
                        throw fail("BUILD (setting object state) is only accepted on an OrderedDict, not on " + describe(obj));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop(), cls = pop();
                    push(newObject(cls, args, null));
                }
                case 0x92 -> { // NEWOBJ_EX
                    Object kwargs = pop(), args = pop(), cls = pop();
                    push(newObject(cls, args, kwargs));
                }
                case 'p' -> memoPut(parseIndex(asciiLine())); // PUT
                case 'q' -> memoPut(u8()); // BINPUT
                case 'r' -> memoPut(u32()); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'g' -> memoGet(parseIndex(asciiLine())); // GET
                case 'h' -> memoGet(u8()); // BINGET
                case 'j' -> memoGet(u32()); // LONG_BINGET
                case 'P' -> push(persistentLoad(asciiLine())); // PERSID
                case 'Q' -> push(persistentLoad(pop())); // BINPERSID
                case 0x82, 0x83, 0x84, 'i', 'o', 0x97, 0x98 ->
                        throw fail("opcode " + opcodeName(opcode) + " is not allowed: only tensors and containers can be loaded");
                default -> throw fail(String.format("unknown pickle opcode 0x%02x", opcode));
            }
        }
    }

    // ================================================================= stack, marks, memo

    private int fence() {
        return markCount == 0 ? 0 : marks[markCount - 1];
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.size() <= fence()) throw fail("stack underflow");
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.size() <= fence()) throw fail("stack underflow");
        return stack.get(stack.size() - 1);
    }

    private void pushMark() {
        if (markCount == marks.length) marks = Arrays.copyOf(marks, marks.length * 2);
        marks[markCount++] = stack.size();
    }

    /** Pops the items above the topmost mark (in order) and the mark. */
    private List<Object> popMark() {
        if (markCount == 0) throw fail("no MARK on the stack");
        int start = marks[--markCount];
        List<Object> top = stack.subList(start, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private void memoPut(long index) {
        if (index < 0) throw fail("negative memo index " + index);
        memo.put(index, peek());
    }

    private void memoGet(long index) {
        Long key = index;
        if (!memo.containsKey(key)) throw fail("memo entry " + index + " is missing");
        push(memo.get(key));
    }

    private long parseIndex(String s) {
        if (s.isEmpty() || s.length() > 18) throw fail("bad memo index '" + printable(s) + "'");
        for (int i = 0; i < s.length(); i++)
            if (s.charAt(i) < '0' || s.charAt(i) > '9') throw fail("bad memo index '" + printable(s) + "'");
        return Long.parseLong(s);
    }

    // ================================================================= containers

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw fail("APPEND needs a list, found " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw fail("SETITEM needs a dict, found " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Set<Object> mutableSet(Object o) {
        if (o instanceof LinkedHashSet<?> s) return (Set<Object>) s;
        throw fail("ADDITEMS needs a set, found " + describe(o));
    }

    private void putAll(Map<Object, Object> d, List<Object> items) {
        if (items.size() % 2 != 0) throw fail("odd number of items (" + items.size() + ") for a dict");
        for (int i = 0; i < items.size(); i += 2) put(d, items.get(i), items.get(i + 1));
    }

    private void put(Map<Object, Object> d, Object k, Object v) {
        d.put(hashable(k, "dict key"), v);
    }

    private Set<Object> frozenset(Collection<?> items) {
        Set<Object> s = new LinkedHashSet<>();
        for (Object o : items) s.add(hashable(o, "frozenset element"));
        return Collections.unmodifiableSet(s);
    }

    /**
     * Checks that an object may be a dict key or set element as in Python (immutable: scalars,
     * strings, bytes, tensors, and tuples/frozensets of those, {@link #MAX_KEY_ELEMENTS} at most),
     * which also keeps Java's recursive hashCode/equals bounded.
     */
    private Object hashable(Object o, String what) {
        int[] budget = {MAX_KEY_ELEMENTS};
        if (!isHashable(o, budget)) throw fail("unhashable or too large " + what + ": " + describe(o));
        return o;
    }

    /** Also bounds the work of Java's (uncached) hashCode/equals on the key to {@link #MAX_KEY_ELEMENTS} elements. */
    private static boolean isHashable(Object o, int[] budget) {
        if (--budget[0] < 0) return false;
        if (o == null || o instanceof String || o instanceof Long || o instanceof Double || o instanceof Boolean
                || o instanceof BigInteger || o instanceof byte[] || o instanceof Tensor || o instanceof StorageType)
            return true;
        if (o instanceof PickleTuple t) {
            for (Object e : t) if (!isHashable(e, budget)) return false;
            return true;
        }
        if (o instanceof Set<?> s && !(o instanceof LinkedHashSet<?>)) { // frozenset: elements already checked hashable
            budget[0] -= s.size();
            return budget[0] >= 0;
        }
        return false;
    }

    /** Lowers the opcode limit (tests). */
    RestrictedUnpickler limitOpcodes(long max) {
        this.opcodeBudget = max;
        return this;
    }

    // ================================================================= globals and calls

    private Object resolveGlobal(String module, String name) {
        // Python 3 maps the Python 2 module name of protocol 0-2 pickles the same way.
        String m = module.equals("__builtin__") ? "builtins" : module;
        Object g = ALLOWED_GLOBALS.get(globalKey(m, name));
        if (g == null)
            throw new CheckpointException(file + ": refusing to load global '" + printable(module + "." + name)
                    + "' from " + entry + ": only tensors and containers are allowed");
        return g;
    }

    private Object call(Object func, Object argsObj) {
        if (!(func instanceof Builtin b))
            throw fail("REDUCE cannot call " + describe(func) + ": only tensor and container constructors can be called");
        if (!(argsObj instanceof List<?> args))
            throw fail("REDUCE of " + b.qualifiedName + " needs an argument tuple, got " + describe(argsObj));
        return switch (b) {
            case ORDERED_DICT -> orderedDict(args);
            case REBUILD_TENSOR_V2 -> {
                if (args.size() != 6 && args.size() != 7)
                    throw fail("_rebuild_tensor_v2 takes 6 or 7 arguments, got " + args.size());
                if (!(args.get(4) instanceof Boolean))
                    throw fail("_rebuild_tensor_v2: requires_grad must be a bool, got " + describe(args.get(4)));
                // backward_hooks (an empty OrderedDict in practice) and metadata carry no data.
                yield rebuildTensor(args);
            }
            case REBUILD_TENSOR -> {
                if (args.size() != 4) throw fail("_rebuild_tensor takes 4 arguments, got " + args.size());
                yield rebuildTensor(args);
            }
            case REBUILD_PARAMETER -> {
                if (args.size() != 3 && args.size() != 4)
                    throw fail("_rebuild_parameter takes 3 arguments, got " + args.size());
                if (!(args.get(0) instanceof Tensor t))
                    throw fail("_rebuild_parameter needs a tensor, got " + describe(args.get(0)));
                yield t;
            }
            case CODECS_ENCODE -> {
                if (args.isEmpty() || args.size() > 3 || !(args.get(0) instanceof String s))
                    throw fail("_codecs.encode needs (str, encoding), got " + describe(argsObj));
                Object enc = args.size() >= 2 ? args.get(1) : "utf-8";
                if (!(enc instanceof String e)) throw fail("_codecs.encode: encoding must be a str, got " + describe(enc));
                yield encode(s, e);
            }
            case SET -> {
                Set<Object> s = new LinkedHashSet<>();
                if (args.size() > 1) throw fail("set() takes at most 1 argument, got " + args.size());
                if (args.size() == 1) for (Object o : iterable(args.get(0), "set()")) s.add(hashable(o, "set element"));
                yield s;
            }
            case FROZENSET -> {
                if (args.size() > 1) throw fail("frozenset() takes at most 1 argument, got " + args.size());
                yield frozenset(args.isEmpty() ? List.of() : iterable(args.get(0), "frozenset()"));
            }
            case BYTES, BYTEARRAY -> {
                String fn = b == Builtin.BYTES ? "bytes()" : "bytearray()";
                if (args.isEmpty()) yield new byte[0];
                if (args.size() == 1 && args.get(0) instanceof byte[] bytes) yield bytes.clone();
                if (args.size() == 2 && args.get(0) instanceof String s && args.get(1) instanceof String e) yield encode(s, e);
                throw fail(fn + " is only accepted with no argument, bytes, or (str, encoding), got " + describe(argsObj));
            }
        };
    }

    private Map<Object, Object> orderedDict(List<?> args) {
        Map<Object, Object> d = new LinkedHashMap<>();
        orderedDicts.add(d);
        if (args.isEmpty()) return d;
        if (args.size() != 1) throw fail("OrderedDict() takes at most 1 argument, got " + args.size());
        Object src = args.get(0);
        if (src instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) put(d, e.getKey(), e.getValue());
            return d;
        }
        for (Object item : iterable(src, "OrderedDict()")) {
            if (!(item instanceof List<?> pair) || pair.size() != 2)
                throw fail("OrderedDict() needs (key, value) pairs, got " + describe(item));
            put(d, pair.get(0), pair.get(1));
        }
        return d;
    }

    private Object newObject(Object cls, Object args, Object kwargs) {
        String op = kwargs == null ? "NEWOBJ" : "NEWOBJ_EX";
        if (!(args instanceof List<?> a) || !a.isEmpty() || !(kwargs == null || kwargs instanceof Map<?, ?> k && k.isEmpty()))
            throw fail(op + " with arguments is not supported (" + describe(cls) + ")");
        if (cls == Builtin.ORDERED_DICT) return orderedDict(List.of());
        if (cls == Builtin.SET) return new LinkedHashSet<>();
        throw fail(op + " cannot instantiate " + describe(cls) + ": only OrderedDict and set can be created this way");
    }

    private Collection<?> iterable(Object o, String fn) {
        if (o instanceof List<?> l) return l;
        if (o instanceof Set<?> s) return s;
        throw fail(fn + " needs a list, tuple or set, got " + describe(o));
    }

    private byte[] encode(String s, String encoding) {
        String e = encoding.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        switch (e) {
            case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1" -> {
                byte[] out = new byte[s.length()];
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if (c > 0xFF) throw fail("_codecs.encode: character U+" + Integer.toHexString(c) + " is not latin-1");
                    out[i] = (byte) c;
                }
                return out;
            }
            case "utf-8", "utf8" -> {
                return s.getBytes(StandardCharsets.UTF_8);
            }
            case "ascii", "us-ascii" -> {
                for (int i = 0; i < s.length(); i++)
                    if (s.charAt(i) > 0x7F) throw fail("_codecs.encode: character U+" + Integer.toHexString(s.charAt(i)) + " is not ascii");
                return s.getBytes(StandardCharsets.US_ASCII);
            }
            default -> throw fail("_codecs.encode: unsupported encoding '" + printable(encoding) + "'");
        }
    }

    private Object persistentLoad(Object pid) {
        if (persistentLoader == null) throw fail("persistent id " + describe(pid) + " outside a torch checkpoint");
        Object r = persistentLoader.load(pid);
        if (r == null) throw fail("persistent id " + describe(pid) + " could not be resolved");
        return r;
    }

    private Tensor rebuildTensor(List<?> args) {
        if (!(args.get(0) instanceof StorageRef ref))
            throw fail("tensor needs a storage (persistent id) as its first argument, got " + describe(args.get(0)));
        long offset = nonNegative(args.get(1), "storage_offset");
        int[] size = intTuple(args.get(2), "size");
        int[] stride = intTuple(args.get(3), "stride");
        String shape = Shapes.format(size);
        if (size.length != stride.length)
            throw fail("tensor of shape " + shape + " has " + stride.length + " strides");
        long numel = 1, last = offset;
        for (int i = 0; i < size.length; i++) {
            numel *= size[i];
            if (numel > Integer.MAX_VALUE) throw fail("tensor of shape " + shape + " has too many elements");
            last += (long) Math.max(size[i] - 1, 0) * stride[i];
        }
        int capacity = ref.storage().size();
        if (numel > 0 && (offset > Integer.MAX_VALUE || last >= capacity))
            throw fail("tensor of shape " + shape + " (storage offset " + offset + ", stride " + Arrays.toString(stride)
                    + ") reaches element " + last + " of storage '" + printable(ref.key()) + "', which has " + capacity + " elements");
        try {
            return Tensor.fromStorage(ref.storage(), size, stride, numel == 0 ? 0 : (int) offset);
        } catch (IllegalArgumentException e) {
            throw fail("tensor of shape " + shape + " does not fit its storage '" + printable(ref.key()) + "': " + oneLine(e.getMessage()));
        }
    }

    private long nonNegative(Object o, String what) {
        if (!(o instanceof Long v) || v < 0) throw fail("tensor " + what + " must be a non-negative int, got " + describe(o));
        return v;
    }

    private int[] intTuple(Object o, String what) {
        if (!(o instanceof List<?> l)) throw fail("tensor " + what + " must be a tuple of ints, got " + describe(o));
        if (l.size() > 64) throw fail("tensor " + what + " has " + l.size() + " dimensions");
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = l.get(i);
            if (!(v instanceof Long x) || x < 0 || x > Integer.MAX_VALUE)
                throw fail("tensor " + what + " " + describe(o) + " has an invalid entry " + describe(v));
            out[i] = (int) (long) x;
        }
        return out;
    }

    // ================================================================= structure check

    /**
     * Refuses cyclic object graphs and nesting deeper than {@link #MAX_DEPTH}, with an explicit
     * stack (no recursion). Shared, acyclic sub-objects are visited once.
     */
    private void checkStructure(Object root) {
        if (!isContainer(root)) return;
        Map<Object, Integer> done = new IdentityHashMap<>(); // container -> height
        Set<Object> onPath = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object[]> path = new ArrayDeque<>(); // {container, iterator, height-so-far}
        path.push(new Object[] {root, children(root), 1});
        onPath.add(root);
        while (!path.isEmpty()) {
            Object[] top = path.peek();
            @SuppressWarnings("unchecked")
            Iterator<Object> it = (Iterator<Object>) top[1];
            if (it.hasNext()) {
                Object child = it.next();
                if (!isContainer(child)) continue;
                if (onPath.contains(child)) throw fail("the object graph contains a cycle (a container inside itself)");
                Integer h = done.get(child);
                if (h != null) {
                    top[2] = Math.max((Integer) top[2], h + 1);
                    if (path.size() + h > MAX_DEPTH) throw tooDeep();
                    continue;
                }
                if (path.size() >= MAX_DEPTH) throw tooDeep();
                onPath.add(child);
                path.push(new Object[] {child, children(child), 1});
            } else {
                path.pop();
                onPath.remove(top[0]);
                int h = (Integer) top[2];
                done.put(top[0], h);
                Object[] parent = path.peek();
                if (parent != null) parent[2] = Math.max((Integer) parent[2], h + 1);
            }
        }
    }

    private CheckpointException tooDeep() {
        return new CheckpointException(file + ": " + entry + ": containers nested more than " + MAX_DEPTH + " levels deep");
    }

    private static boolean isContainer(Object o) {
        return o instanceof Map<?, ?> || o instanceof Collection<?>;
    }

    private static Iterator<Object> children(Object o) {
        List<Object> out = new ArrayList<>();
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.add(e.getKey());
                out.add(e.getValue());
            }
        } else {
            out.addAll((Collection<?>) o);
        }
        return out.iterator();
    }

    // ================================================================= reading primitives

    private void need(long n) {
        if (n > data.length - pos) throw truncated(n);
    }

    private CheckpointException truncated(long n) {
        return fail("truncated pickle: needs " + n + " bytes but " + (data.length - pos) + " remain");
    }

    private int u8() {
        need(1);
        return data[pos++] & 0xFF;
    }

    private int u16() {
        need(2);
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    private int i32() {
        need(4);
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16 | (data[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private long u32() {
        return i32() & 0xFFFFFFFFL;
    }

    /** An unsigned 64-bit length; values beyond Long.MAX_VALUE come back negative and fail {@link #bytes}. */
    private long u64() {
        need(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (data[pos + i] & 0xFF);
        pos += 8;
        if (v < 0) throw fail("length " + Long.toUnsignedString(v) + " is larger than the data");
        return v;
    }

    private byte[] bytes(long n) {
        if (n < 0 || n > data.length - pos) throw truncated(n);
        byte[] out = Arrays.copyOfRange(data, pos, pos + (int) n);
        pos += (int) n;
        return out;
    }

    /** The bytes up to the next newline (consumed, not included). */
    private byte[] line() {
        for (int i = pos; i < data.length; i++) {
            if (data[i] == '\n') {
                byte[] out = Arrays.copyOfRange(data, pos, i);
                pos = i + 1;
                return out;
            }
        }
        throw fail("truncated pickle: " + opcodeName(opcode) + " argument has no end of line");
    }

    private String asciiLine() {
        byte[] b = line();
        String s = new String(b, StandardCharsets.ISO_8859_1);
        if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
        return s;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private Object parseDecimal(String raw) {
        String s = raw.strip();
        int start = s.startsWith("-") || s.startsWith("+") ? 1 : 0;
        if (s.length() == start) throw fail("bad integer '" + printable(raw) + "'");
        if (s.length() - start > MAX_DECIMAL_DIGITS) throw fail("integer of " + (s.length() - start) + " digits is too long");
        for (int i = start; i < s.length(); i++)
            if (s.charAt(i) < '0' || s.charAt(i) > '9') throw fail("bad integer '" + printable(raw) + "'");
        BigInteger v = new BigInteger(s);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object decodeLong(int n) {
        need(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = data[pos + n - 1 - i];
        pos += n;
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private double parseFloat(String raw) {
        String s = raw.strip().toLowerCase(java.util.Locale.ROOT);
        switch (s) {
            case "inf", "+inf", "infinity", "+infinity" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf", "-infinity" -> {
                return Double.NEGATIVE_INFINITY;
            }
            case "nan", "+nan", "-nan" -> {
                return Double.NaN;
            }
            default -> {
            }
        }
        if (s.isEmpty() || s.length() > 1000 || !s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?"))
            throw fail("bad float '" + printable(raw) + "'");
        return Double.parseDouble(s);
    }

    /** The argument of the protocol-0 STRING opcode: a quoted Python literal with backslash escapes. */
    private byte[] unescapeString(byte[] b) {
        int n = b.length;
        if (n > 0 && b[n - 1] == '\r') n--;
        if (n < 2 || b[0] != b[n - 1] || (b[0] != '\'' && b[0] != '"'))
            throw fail("the STRING opcode argument must be quoted");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(n);
        for (int i = 1; i < n - 1; i++) {
            int c = b[i] & 0xFF;
            if (c != '\\' || i + 1 >= n - 1) {
                out.write(c);
                continue;
            }
            int e = b[++i] & 0xFF;
            switch (e) {
                case '\\' -> out.write('\\');
                case '\'' -> out.write('\'');
                case '"' -> out.write('"');
                case 'a' -> out.write(7);
                case 'b' -> out.write(8);
                case 'f' -> out.write(12);
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case 'v' -> out.write(11);
                case '\n' -> {
                }
                case 'x' -> {
                    if (i + 2 > n - 2 || hex(b[i + 1]) < 0 || hex(b[i + 2]) < 0)
                        throw fail("invalid \\x escape in STRING");
                    out.write(hex(b[i + 1]) << 4 | hex(b[i + 2]));
                    i += 2;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i + 1 < n - 1 && b[i + 1] >= '0' && b[i + 1] <= '7'; k++) v = v * 8 + (b[++i] - '0');
                        out.write(v & 0xFF);
                    } else {
                        out.write('\\');
                        out.write(e);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    /** The argument of the protocol-0 UNICODE opcode (Python's raw-unicode-escape codec). */
    private String rawUnicodeEscape(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xFF;
            if (c != '\\') {
                sb.append((char) c);
                i++;
                continue;
            }
            int run = 0;
            while (i < b.length && b[i] == '\\') {
                sb.append('\\');
                run++;
                i++;
            }
            if ((run & 1) == 0 || i >= b.length || (b[i] != 'u' && b[i] != 'U')) continue;
            int digits = b[i] == 'u' ? 4 : 8;
            if (i + digits >= b.length) throw fail("truncated \\u escape in UNICODE");
            int cp = 0;
            for (int k = 1; k <= digits; k++) {
                int h = hex(b[i + k]);
                if (h < 0) throw fail("invalid \\u escape in UNICODE");
                cp = cp * 16 + h;
                if (cp > 0x10FFFF) throw fail("\\U escape beyond U+10FFFF in UNICODE");
            }
            sb.setLength(sb.length() - 1); // the backslash that started the escape
            sb.appendCodePoint(cp);
            i += digits + 1;
        }
        return sb.toString();
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') return b - '0';
        if (b >= 'a' && b <= 'f') return b - 'a' + 10;
        if (b >= 'A' && b <= 'F') return b - 'A' + 10;
        return -1;
    }

    // ================================================================= messages

    private CheckpointException fail(String what) {
        String where = opcode < 0 ? "" : " (" + opcodeName(opcode) + " at byte " + opStart + ")";
        return new CheckpointException(file + ": " + entry + ": " + what + where);
    }

    /** A short, one-line description of a value for error messages (never recursive). */
    static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof String s) return "str '" + printable(s) + "'";
        if (o instanceof Long || o instanceof BigInteger) return "int " + printable(o.toString());
        if (o instanceof Double d) return "float " + d;
        if (o instanceof Boolean b) return b ? "True" : "False";
        if (o instanceof byte[] b) return "bytes of length " + b.length;
        if (o instanceof PickleTuple t) return "a tuple of " + t.size();
        if (o instanceof List<?> l) return "a list of " + l.size();
        if (o instanceof Map<?, ?> m) return "a dict of " + m.size();
        if (o instanceof Set<?> s) return "a set of " + s.size();
        if (o instanceof Tensor t) return "a tensor " + Shapes.format(t.shape());
        if (o instanceof StorageType st) return "global " + st;
        if (o instanceof StorageRef r) return "storage '" + printable(r.key()) + "'";
        if (o instanceof Builtin b) return "global " + b.qualifiedName;
        return o.getClass().getSimpleName();
    }

    /** Escapes control characters and cuts long text so that messages stay on one line. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 200; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        if (sb.length() >= 200) sb.append("...");
        return sb.toString();
    }

    private static String oneLine(String s) {
        return printable(s == null ? "" : s);
    }

    static String opcodeName(int op) {
        return switch (op) {
            case '(' -> "MARK";
            case '.' -> "STOP";
            case '0' -> "POP";
            case '1' -> "POP_MARK";
            case '2' -> "DUP";
            case 'F' -> "FLOAT";
            case 'I' -> "INT";
            case 'J' -> "BININT";
            case 'K' -> "BININT1";
            case 'L' -> "LONG";
            case 'M' -> "BININT2";
            case 'N' -> "NONE";
            case 'P' -> "PERSID";
            case 'Q' -> "BINPERSID";
            case 'R' -> "REDUCE";
            case 'S' -> "STRING";
            case 'T' -> "BINSTRING";
            case 'U' -> "SHORT_BINSTRING";
            case 'V' -> "UNICODE";
            case 'X' -> "BINUNICODE";
            case 'a' -> "APPEND";
            case 'b' -> "BUILD";
            case 'c' -> "GLOBAL";
            case 'd' -> "DICT";
            case '}' -> "EMPTY_DICT";
            case 'e' -> "APPENDS";
            case 'g' -> "GET";
            case 'h' -> "BINGET";
            case 'i' -> "INST";
            case 'j' -> "LONG_BINGET";
            case 'l' -> "LIST";
            case ']' -> "EMPTY_LIST";
            case 'o' -> "OBJ";
            case 'p' -> "PUT";
            case 'q' -> "BINPUT";
            case 'r' -> "LONG_BINPUT";
            case 's' -> "SETITEM";
            case 't' -> "TUPLE";
            case ')' -> "EMPTY_TUPLE";
            case 'u' -> "SETITEMS";
            case 'G' -> "BINFLOAT";
            case 'B' -> "BINBYTES";
            case 'C' -> "SHORT_BINBYTES";
            case 0x80 -> "PROTO";
            case 0x81 -> "NEWOBJ";
            case 0x82 -> "EXT1";
            case 0x83 -> "EXT2";
            case 0x84 -> "EXT4";
            case 0x85 -> "TUPLE1";
            case 0x86 -> "TUPLE2";
            case 0x87 -> "TUPLE3";
            case 0x88 -> "NEWTRUE";
            case 0x89 -> "NEWFALSE";
            case 0x8a -> "LONG1";
            case 0x8b -> "LONG4";
            case 0x8c -> "SHORT_BINUNICODE";
            case 0x8d -> "BINUNICODE8";
            case 0x8e -> "BINBYTES8";
            case 0x8f -> "EMPTY_SET";
            case 0x90 -> "ADDITEMS";
            case 0x91 -> "FROZENSET";
            case 0x92 -> "NEWOBJ_EX";
            case 0x93 -> "STACK_GLOBAL";
            case 0x94 -> "MEMOIZE";
            case 0x95 -> "FRAME";
            case 0x96 -> "BYTEARRAY8";
            case 0x97 -> "NEXT_BUFFER";
            case 0x98 -> "READONLY_BUFFER";
            default -> String.format("0x%02x", op);
        };
    }
}
