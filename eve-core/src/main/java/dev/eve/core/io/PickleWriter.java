package dev.eve.core.io;

import dev.eve.core.backend.cpu.CpuStorage;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Storage;
import dev.eve.core.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes an object tree as a pickle (protocol 2) the way {@code torch.save} does: tensors become
 * {@code torch._utils._rebuild_tensor_v2} calls over persistent storage references
 * {@code ('storage', torch.FloatStorage, key, 'cpu', numel)}; the storages themselves are
 * collected in {@link #storages()} (key = index) for the caller to write next to the pickle.
 * Tensors that share a CPU storage share one key, with their offsets and strides kept.
 *
 * <p>Supported values: null, Boolean, integers (Long, Integer, Short, Byte, BigInteger), Double
 * and Float, String, byte[], {@link PickleTuple} (a tuple), other Lists (a list), Sets (a set),
 * Maps (a dict; one whose values are all tensors becomes a {@code collections.OrderedDict}, as
 * a state dict), and Tensors (F32, I64, I32, BOOL).
 */
public final class PickleWriter {

    private static final int PROTO = 0x80, EMPTY_TUPLE = ')', MARK = '(', TUPLE = 't', TUPLE1 = 0x85, TUPLE2 = 0x86,
            TUPLE3 = 0x87, EMPTY_LIST = ']', APPENDS = 'e', EMPTY_DICT = '}', SETITEMS = 'u', GLOBAL = 'c', REDUCE = 'R',
            BINPERSID = 'Q', BINUNICODE = 'X', BININT = 'J', BININT1 = 'K', BININT2 = 'M', LONG1 = 0x8a, LONG4 = 0x8b,
            BINFLOAT = 'G', NONE = 'N', NEWTRUE = 0x88, NEWFALSE = 0x89, BINPUT = 'q', LONG_BINPUT = 'r', BINGET = 'h',
            LONG_BINGET = 'j', STOP = '.';
    private static final int BATCH = 1000;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, Integer> globalMemo = new HashMap<>();
    private final Map<Storage, Integer> storageKeys = new IdentityHashMap<>();
    private final List<CpuStorage> storages = new ArrayList<>();
    private final Set<Object> path = Collections.newSetFromMap(new IdentityHashMap<>());
    private int memoSize;

    /** Pickles {@code tree}; a top-level map is written as an OrderedDict when {@code stateDict}. */
    public byte[] write(Object tree, boolean stateDict) {
        out.reset();
        globalMemo.clear();
        memoSize = 0;
        storageKeys.clear();
        storages.clear();
        path.clear();
        out.write(PROTO);
        out.write(2);
        if (stateDict && tree instanceof Map<?, ?> m) writeMap(m, true, 0);
        else writeValue(tree, 0);
        out.write(STOP);
        return out.toByteArray();
    }

    /** Pickles {@code tree} (maps of tensors become OrderedDicts). */
    public byte[] write(Object tree) {
        return write(tree, false);
    }

    /** The storages referenced by the last pickle written, in key order ("0", "1", ...). */
    public List<CpuStorage> storages() {
        return Collections.unmodifiableList(storages);
    }

    private void writeValue(Object v, int depth) {
        if (depth > RestrictedUnpickler.MAX_DEPTH)
            throw new IllegalArgumentException("cannot pickle containers nested more than " + RestrictedUnpickler.MAX_DEPTH + " deep");
        if (v == null) {
            out.write(NONE);
        } else if (v instanceof Boolean b) {
            out.write(b ? NEWTRUE : NEWFALSE);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            writeInt(((Number) v).longValue());
        } else if (v instanceof BigInteger b) {
            if (b.bitLength() < 64) writeInt(b.longValue());
            else writeBigInt(b);
        } else if (v instanceof Double || v instanceof Float) {
            writeDouble(((Number) v).doubleValue());
        } else if (v instanceof String s) {
            writeString(s);
        } else if (v instanceof byte[] b) {
            writeBytes(b);
        } else if (v instanceof Tensor t) {
            writeTensor(t);
        } else if (v instanceof Map<?, ?> m) {
            enter(v);
            boolean allTensors = !m.isEmpty() && m.values().stream().allMatch(x -> x instanceof Tensor);
            writeMap(m, allTensors, depth);
            path.remove(v);
        } else if (v instanceof PickleTuple t) {
            enter(v);
            writeTuple(t, depth);
            path.remove(v);
        } else if (v instanceof List<?> l) {
            enter(v);
            out.write(EMPTY_LIST);
            writeBatched(l, APPENDS, depth);
            path.remove(v);
        } else if (v instanceof Set<?> s) {
            enter(v);
            writeGlobal("builtins", "set");
            out.write(EMPTY_LIST);
            writeBatched(s, APPENDS, depth);
            out.write(TUPLE1);
            out.write(REDUCE);
            path.remove(v);
        } else {
            throw new IllegalArgumentException("cannot pickle a " + v.getClass().getName()
                    + ": only maps, lists, strings, numbers, booleans, null, bytes and tensors");
        }
    }

    private void enter(Object container) {
        if (!path.add(container)) throw new IllegalArgumentException("cannot pickle a container that contains itself");
    }

    private void writeMap(Map<?, ?> m, boolean ordered, int depth) {
        if (ordered) {
            writeGlobal("collections", "OrderedDict");
            out.write(EMPTY_TUPLE);
            out.write(REDUCE);
        } else {
            out.write(EMPTY_DICT);
        }
        List<Object> items = new ArrayList<>(2 * m.size());
        for (Map.Entry<?, ?> e : m.entrySet()) {
            items.add(e.getKey());
            items.add(e.getValue());
        }
        for (int i = 0; i < items.size(); i += 2 * BATCH) {
            int end = Math.min(items.size(), i + 2 * BATCH);
            out.write(MARK);
            for (int j = i; j < end; j++) writeValue(items.get(j), depth + 1);
            out.write(SETITEMS);
        }
    }

    private void writeBatched(Collection<?> c, int op, int depth) {
        List<?> items = new ArrayList<>(c);
        for (int i = 0; i < items.size(); i += BATCH) {
            out.write(MARK);
            for (int j = i; j < Math.min(items.size(), i + BATCH); j++) writeValue(items.get(j), depth + 1);
            out.write(op);
        }
    }

    private void writeTuple(List<?> t, int depth) {
        switch (t.size()) {
            case 0 -> out.write(EMPTY_TUPLE);
            case 1, 2, 3 -> {
                for (Object o : t) writeValue(o, depth + 1);
                out.write(t.size() == 1 ? TUPLE1 : t.size() == 2 ? TUPLE2 : TUPLE3);
            }
            default -> {
                out.write(MARK);
                for (Object o : t) writeValue(o, depth + 1);
                out.write(TUPLE);
            }
        }
    }

    private void writeIntTuple(int[] values) {
        List<Object> l = new ArrayList<>(values.length);
        for (int v : values) l.add((long) v);
        writeTuple(l, 0);
    }

    private void writeTensor(Tensor t) {
        Tensor src = t;
        if (!(src.storage() instanceof CpuStorage)) src = src.to(Device.CPU).contiguous();
        if (!(src.storage() instanceof CpuStorage cpu))
            throw new IllegalArgumentException("cannot save a tensor whose storage is " + src.storage().getClass().getSimpleName());
        RestrictedUnpickler.StorageType type = RestrictedUnpickler.storageTypeFor(cpu.dtype().safetensorsName());
        if (type == null || cpu.dtype().byteSize() != type.elementSize())
            throw new IllegalArgumentException("cannot save " + cpu.dtype() + " tensors in a PyTorch checkpoint");
        Integer key = storageKeys.get(cpu);
        if (key == null) {
            key = storages.size();
            storageKeys.put(cpu, key);
            storages.add(cpu);
        }
        writeGlobal("torch._utils", "_rebuild_tensor_v2");
        out.write(MARK);
        // persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
        out.write(MARK);
        writeString("storage");
        writeGlobal("torch", type.name());
        writeString(Integer.toString(key));
        writeString("cpu");
        writeInt(cpu.size());
        out.write(TUPLE);
        out.write(BINPERSID);
        writeInt(src.offset());
        writeIntTuple(src.shape());
        writeIntTuple(src.strides());
        out.write(NEWFALSE); // requires_grad: saved tensors are data, as in torch's state_dict()
        writeGlobal("collections", "OrderedDict"); // backward_hooks
        out.write(EMPTY_TUPLE);
        out.write(REDUCE);
        out.write(TUPLE);
        out.write(REDUCE);
    }

    private void writeGlobal(String module, String name) {
        String key = module + "\n" + name + "\n";
        Integer idx = globalMemo.get(key);
        if (idx != null) {
            if (idx < 256) {
                out.write(BINGET);
                out.write(idx);
            } else {
                out.write(LONG_BINGET);
                writeLE(idx, 4);
            }
            return;
        }
        out.write(GLOBAL);
        out.writeBytes(key.getBytes(StandardCharsets.US_ASCII));
        idx = memoSize++;
        globalMemo.put(key, idx);
        if (idx < 256) {
            out.write(BINPUT);
            out.write(idx);
        } else {
            out.write(LONG_BINPUT);
            writeLE(idx, 4);
        }
    }

    private void writeInt(long v) {
        if (v >= 0 && v < 256) {
            out.write(BININT1);
            out.write((int) v);
        } else if (v >= 0 && v < 65536) {
            out.write(BININT2);
            writeLE(v, 2);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write(BININT);
            writeLE(v, 4);
        } else {
            writeBigInt(BigInteger.valueOf(v));
        }
    }

    private void writeBigInt(BigInteger v) {
        byte[] be = v.toByteArray(); // minimal two's complement, big-endian
        if (be.length < 256) {
            out.write(LONG1);
            out.write(be.length);
        } else {
            out.write(LONG4);
            writeLE(be.length, 4);
        }
        for (int i = be.length - 1; i >= 0; i--) out.write(be[i]);
    }

    private void writeDouble(double d) {
        out.write(BINFLOAT);
        long bits = Double.doubleToLongBits(d);
        for (int i = 7; i >= 0; i--) out.write((int) (bits >>> (8 * i)));
    }

    private void writeString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(BINUNICODE);
        writeLE(b.length, 4);
        out.writeBytes(b);
    }

    /** bytes in protocol 2, as Python writes them: {@code _codecs.encode(latin1_text, 'latin1')}. */
    private void writeBytes(byte[] b) {
        writeGlobal("_codecs", "encode");
        char[] chars = new char[b.length];
        for (int i = 0; i < b.length; i++) chars[i] = (char) (b[i] & 0xFF);
        writeString(new String(chars));
        writeString("latin1");
        out.write(TUPLE2);
        out.write(REDUCE);
    }

    private void writeLE(long v, int n) {
        for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)));
    }
}
