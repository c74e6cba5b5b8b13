package dev.eve.core.io;

import dev.eve.core.backend.cpu.CpuStorage;
import dev.eve.core.io.RestrictedUnpickler.StorageRef;
import dev.eve.core.io.RestrictedUnpickler.StorageType;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Storage;
import dev.eve.core.tensor.Tensor;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * PyTorch checkpoints in the zip format {@code torch.save} writes since 1.6: an uncompressed zip
 * with {@code <stem>/data.pkl} (the pickled object), one {@code <stem>/data/<key>} entry of raw
 * little-endian bytes per storage, {@code <stem>/version} and, in newer versions,
 * {@code <stem>/byteorder}.
 *
 * <p>Loading never runs code: the pickle goes through {@link RestrictedUnpickler}, which only
 * builds containers, scalars and tensors and refuses every other global. Every zip entry name,
 * storage key and size is validated before anything is allocated; tensors that reference the same
 * storage key share one {@link Storage}. On the CPU, F64/F16/BF16 storages become F32 and the
 * small integer types I32 (as with safetensors). requires_grad flags and backward hooks are not
 * restored: tensors come back as plain data, and are saved with {@code requires_grad=False}.
 *
 * <p>Saving writes the same layout as torch 1.13 (protocol-2 pickle, storages {@code 0..n-1},
 * version 3, each entry's data aligned to 64 bytes) atomically, for {@code torch.load}.
 */
public final class TorchCheckpoint {

    /** Wrapper keys under which training scripts nest a state dict, tried in this order. */
    public static final List<String> STATE_DICT_KEYS = List.of("model", "state_dict", "module");

    private static final int MAX_WRAPPER_NESTING = 3;
    private static final long MAX_PICKLE_BYTES = Integer.MAX_VALUE - 16;
    /** data.pkl may exceed the file size (if compressed) up to this much. */
    private static final long PICKLE_SLACK_BYTES = 64L << 20;
    private static final LocalDateTime FIXED_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);
    private static final long MAX_STORAGE_BYTES = Integer.MAX_VALUE - 16;
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
            (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private TorchCheckpoint() {}

    // ================================================================= loading

    /**
     * Reads the whole object a checkpoint holds: dicts as {@link LinkedHashMap}, lists as
     * {@link ArrayList}, tuples as {@link PickleTuple}, str/int/float/bool/None/bytes as
     * String/Long (or BigInteger)/Double/Boolean/null/byte[], tensors as CPU {@link Tensor}s.
     */
    public static Object load(Path path) {
        try (Archive a = Archive.open(path)) {
            return a.unpickle(false);
        }
    }

    /**
     * The state dict of a checkpoint, in file order: the top-level dict when all its values are
     * tensors, otherwise the dict of tensors found under {@code model}, {@code state_dict} or
     * {@code module} (possibly nested, as in {@code {'model': {'module': sd}}}).
     */
    public static Map<String, Tensor> loadStateDict(Path path) {
        return stateDictOf(path, load(path));
    }

    /**
     * One entry of a checkpoint's top-level dict, e.g. the {@code config} of EVE checkpoints
     * ({@code {'model': state_dict, 'config': cfg}}). Storages are only read when the entry itself
     * contains tensors.
     */
    public static Object loadEntry(Path path, String key) {
        Object value;
        boolean hasTensors;
        try (Archive a = Archive.open(path)) {
            value = entryOf(path, a.unpickle(true), key);
            hasTensors = containsTensor(value);
            if (hasTensors) value = entryOf(path, a.unpickle(false), key);
        }
        return value;
    }

    /** The top-level keys of a checkpoint whose root object is a dict (no storage is read). */
    public static List<Object> topLevelKeys(Path path) {
        try (Archive a = Archive.open(path)) {
            Object root = a.unpickle(true);
            if (!(root instanceof Map<?, ?> m))
                throw new CheckpointException(path + ": the checkpoint holds " + RestrictedUnpickler.describe(root) + ", not a dict");
            return new ArrayList<>(m.keySet());
        }
    }

    /** Finds the state dict in an object loaded from {@code path} (see {@link #loadStateDict}). */
    public static Map<String, Tensor> stateDictOf(Path path, Object root) {
        Map<String, Tensor> found = findStateDict(root, 0);
        if (found != null) return found;
        String what = root instanceof Map<?, ?> m ? "top-level keys " + keyList(m) : "the checkpoint holds " + RestrictedUnpickler.describe(root);
        throw new CheckpointException(path + ": no state dict (a dict of tensors, possibly under 'model', 'state_dict' or 'module') found; "
                + what);
    }

    private static Map<String, Tensor> findStateDict(Object o, int depth) {
        if (!(o instanceof Map<?, ?> m)) return null;
        boolean tensors = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String) || !(e.getValue() instanceof Tensor)) {
                tensors = false;
                break;
            }
        }
        if (tensors) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.put((String) e.getKey(), (Tensor) e.getValue());
            return out;
        }
        if (depth >= MAX_WRAPPER_NESTING) return null;
        for (String k : STATE_DICT_KEYS) {
            Map<String, Tensor> inner = findStateDict(m.get(k), depth + 1);
            if (inner != null) return inner;
        }
        return null;
    }

    private static Object entryOf(Path path, Object root, String key) {
        if (!(root instanceof Map<?, ?> m))
            throw new CheckpointException(path + ": the checkpoint holds " + RestrictedUnpickler.describe(root) + ", not a dict");
        if (!m.containsKey(key))
            throw new CheckpointException(path + ": no entry '" + RestrictedUnpickler.printable(key) + "'; top-level keys " + keyList(m));
        return m.get(key);
    }

    private static String keyList(Map<?, ?> m) {
        StringBuilder sb = new StringBuilder("[");
        int i = 0;
        for (Object k : m.keySet()) {
            if (i > 0) sb.append(", ");
            if (i++ == 20) {
                sb.append("... ").append(m.size() - 20).append(" more");
                break;
            }
            sb.append(k instanceof String s ? "'" + RestrictedUnpickler.printable(s) + "'" : RestrictedUnpickler.describe(k));
        }
        return sb.append(']').toString();
    }

    /** Whether an (acyclic) object graph contains a tensor; iterative. */
    private static boolean containsTensor(Object root) {
        Deque<Object> todo = new ArrayDeque<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        todo.push(root == null ? List.of() : root);
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (o instanceof Tensor) return true;
            if (!(o instanceof Map<?, ?> || o instanceof Collection<?>) || !seen.add(o)) continue;
            Collection<?> items = o instanceof Map<?, ?> m ? m.values() : (Collection<?>) o;
            if (o instanceof Map<?, ?> m) for (Object k : m.keySet()) if (k != null) todo.push(k);
            for (Object x : items) if (x != null) todo.push(x);
        }
        return false;
    }

    /** An open checkpoint zip with its entries validated. */
    private static final class Archive implements AutoCloseable {
        final Path path;
        final String file;
        final ZipFile zip;
        final String stem;
        final long fileSize;
        final Map<String, StorageRef> storages = new HashMap<>();
        long storageBytes;
        boolean placeholders;

        private Archive(Path path, ZipFile zip, String stem, long fileSize) {
            this.path = path;
            this.file = path.toString();
            this.zip = zip;
            this.stem = stem;
            this.fileSize = fileSize;
        }

        static Archive open(Path path) {
            long size;
            byte[] head = new byte[512];
            int n;
            try (InputStream in = Files.newInputStream(path)) {
                size = Files.size(path);
                n = in.readNBytes(head, 0, head.length);
            } catch (NoSuchFileException e) {
                throw new CheckpointException(path + ": no such file");
            } catch (IOException e) {
                throw new CheckpointException(path + ": cannot read: " + e.getMessage(), e);
            }
            if (!startsWith(head, n, new byte[] {'P', 'K', 3, 4}) && !startsWith(head, n, new byte[] {'P', 'K', 5, 6}))
                throw new CheckpointException(path + ": " + notZip(head, n));
            ZipFile zip;
            try {
                zip = new ZipFile(path.toFile(), ZipFile.OPEN_READ, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CheckpointException(path + ": not a readable zip archive (truncated or corrupt?): " + e.getMessage(), e);
            }
            try {
                return validate(path, zip, size);
            } catch (RuntimeException e) {
                closeQuietly(zip);
                throw e;
            }
        }

        private static Archive validate(Path path, ZipFile zip, long size) {
            List<String> pickles = new ArrayList<>();
            String first = null;
            try {
                for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                    String name = en.nextElement().getName();
                    checkEntryName(path, name);
                    if (first == null) first = name;
                    int slash = name.indexOf('/');
                    if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) pickles.add(name.substring(0, slash));
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new CheckpointException(path + ": corrupt zip directory: " + e.getMessage(), e);
            }
            if (pickles.isEmpty()) {
                String hint = zip.getEntry("constants.pkl") != null || (first != null && first.contains("/code/"))
                        ? " (a TorchScript archive? only torch.save checkpoints are supported)" : "";
                throw new CheckpointException(path + ": no '<name>/data.pkl' entry: not a torch.save checkpoint" + hint);
            }
            String stem = pickles.get(0);
            if (pickles.size() > 1 && first != null && first.indexOf('/') > 0 && pickles.contains(first.substring(0, first.indexOf('/'))))
                stem = first.substring(0, first.indexOf('/'));
            Archive a = new Archive(path, zip, stem, size);
            ZipEntry order = zip.getEntry(stem + "/byteorder");
            if (order != null) {
                String bo = new String(a.read(order, 64, size, "byteorder"), StandardCharsets.US_ASCII).strip();
                if (bo.equals("big"))
                    throw new CheckpointException(path + ": big-endian checkpoint (" + stem + "/byteorder = big) is not supported; re-save it on a little-endian machine");
                if (!bo.equals("little"))
                    throw new CheckpointException(path + ": unknown byte order '" + RestrictedUnpickler.printable(bo) + "' in " + stem + "/byteorder");
            }
            return a;
        }

        /** Runs data.pkl; with placeholders, storages are validated but not read. */
        Object unpickle(boolean placeholders) {
            this.placeholders = placeholders;
            storages.clear();
            storageBytes = 0;
            String name = stem + "/data.pkl";
            byte[] pkl = read(zip.getEntry(name), MAX_PICKLE_BYTES, Math.max(fileSize, PICKLE_SLACK_BYTES), name);
            return new RestrictedUnpickler(file, "data.pkl", pkl, this::persistentLoad).load();
        }

        private Object persistentLoad(Object pid) {
            if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0)))
                throw new CheckpointException(file + ": data.pkl: unsupported persistent id " + RestrictedUnpickler.describe(pid)
                        + " (expected ('storage', type, key, location, numel))");
            if (!(t.get(1) instanceof StorageType type))
                throw new CheckpointException(file + ": data.pkl: persistent id names " + RestrictedUnpickler.describe(t.get(1))
                        + " instead of a torch storage type");
            if (!(t.get(2) instanceof String key))
                throw new CheckpointException(file + ": data.pkl: storage key " + RestrictedUnpickler.describe(t.get(2)) + " is not a str");
            if (!(t.get(4) instanceof Long numel) || numel < 0)
                throw new CheckpointException(file + ": data.pkl: storage '" + RestrictedUnpickler.printable(key)
                        + "' has an invalid element count " + RestrictedUnpickler.describe(t.get(4)));
            if (key.isEmpty() || key.contains("/") || key.contains("\\") || key.contains("..") || key.indexOf('\0') >= 0)
                throw new CheckpointException(file + ": data.pkl: refusing storage key '" + RestrictedUnpickler.printable(key)
                        + "': keys are plain names inside " + stem + "/data/");
            StorageRef known = storages.get(key);
            if (known != null) {
                if (!known.type().equals(type) || known.storage().size() != numel)
                    throw new CheckpointException(file + ": data.pkl: storage '" + RestrictedUnpickler.printable(key) + "' is referenced as "
                            + known.type() + " of " + known.storage().size() + " elements and as " + type + " of " + numel);
                return known;
            }
            String entryName = stem + "/data/" + key;
            ZipEntry e = zip.getEntry(entryName);
            if (e == null || e.isDirectory())
                throw new CheckpointException(file + ": data.pkl: storage '" + RestrictedUnpickler.printable(key)
                        + "' has no entry '" + RestrictedUnpickler.printable(entryName) + "' in the archive");
            long bytes = numel * type.elementSize(); // numel < 2^63 / 8 cannot overflow after the check below
            if (numel > Integer.MAX_VALUE || e.getSize() != bytes)
                throw new CheckpointException(file + ": entry '" + RestrictedUnpickler.printable(entryName) + "' has " + e.getSize()
                        + " bytes but its " + type + " of " + numel + " elements needs " + (numel > Integer.MAX_VALUE ? "more" : bytes));
            if (bytes > MAX_STORAGE_BYTES)
                throw new CheckpointException(file + ": storage '" + RestrictedUnpickler.printable(key) + "' is larger than 2 GiB, which one CPU tensor cannot hold");
            storageBytes += bytes;
            if (storageBytes > fileSize)
                throw new CheckpointException(file + ": the storages add up to more bytes than the file holds (" + fileSize
                        + "): overlapping or compressed entries are not supported (at '" + RestrictedUnpickler.printable(entryName) + "')");
            Storage storage;
            if (placeholders) {
                storage = new PendingStorage(cpuDType(type.dtype()), (int) (long) numel);
            } else {
                byte[] raw = read(e, bytes, fileSize, entryName);
                storage = SafeTensors.decode(type.dtype(), ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN), (int) (long) numel,
                        new int[] {(int) (long) numel}).storage();
            }
            StorageRef ref = new StorageRef(key, type, storage);
            storages.put(key, ref);
            return ref;
        }

        /** Reads a whole entry of at most {@code max} bytes and at most {@code fileLimit} (the file size, for storages). */
        byte[] read(ZipEntry e, long max, long fileLimit, String name) {
            if (e == null) throw new CheckpointException(file + ": missing entry '" + RestrictedUnpickler.printable(name) + "'");
            long size = e.getSize();
            if (size < 0 || size > max || size > fileLimit)
                throw new CheckpointException(file + ": entry '" + RestrictedUnpickler.printable(name) + "' declares " + size
                        + " bytes, more than " + (size > fileLimit && fileLimit == fileSize ? "the file holds (" + fileSize + ")"
                        : "allowed (" + Math.min(max, fileLimit) + ")"));
            byte[] out = new byte[(int) size];
            try (InputStream in = zip.getInputStream(e)) {
                int got = in.readNBytes(out, 0, out.length);
                if (got != out.length)
                    throw new CheckpointException(file + ": entry '" + RestrictedUnpickler.printable(name) + "' is truncated (" + got + " of " + size + " bytes)");
                if (in.read() != -1)
                    throw new CheckpointException(file + ": entry '" + RestrictedUnpickler.printable(name) + "' is longer than its declared " + size + " bytes");
            } catch (IOException | RuntimeException ex) {
                if (ex instanceof CheckpointException ce) throw ce;
                throw new CheckpointException(file + ": cannot read entry '" + RestrictedUnpickler.printable(name) + "' (truncated or corrupt zip?): "
                        + RestrictedUnpickler.printable(String.valueOf(ex.getMessage())), ex);
            }
            return out;
        }

        @Override
        public void close() {
            closeQuietly(zip);
        }
    }

    private static void checkEntryName(Path path, String name) {
        boolean bad = name.isEmpty() || name.startsWith("/") || name.startsWith("\\") || name.indexOf('\0') >= 0
                || (name.length() >= 2 && name.charAt(1) == ':');
        for (String seg : name.split("[/\\\\]")) if (seg.equals("..")) bad = true;
        if (bad)
            throw new CheckpointException(path + ": refusing zip entry '" + RestrictedUnpickler.printable(name)
                    + "': absolute path or '..' component");
    }

    private static String notZip(byte[] head, int n) {
        if (n == 0) return "empty file, not a PyTorch checkpoint";
        if (startsWith(head, n, LEGACY_MAGIC) || (n > 262 && new String(head, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")))
            return "legacy (pre-1.6) PyTorch format is not supported; re-save it with torch.save(obj, path, _use_new_zipfile_serialization=True)";
        if ((head[0] & 0xFF) == 0x80)
            return "a plain pickle, not a torch.save zip checkpoint; re-save it with torch.save (zip format)";
        return "not a PyTorch checkpoint (torch.save writes a zip archive, this file starts with " + hexPrefix(head, n) + ")";
    }

    static String hexPrefix(byte[] head, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, 8); i++) sb.append(String.format("%02x", head[i] & 0xFF));
        return "0x" + sb;
    }

    private static boolean startsWith(byte[] data, int n, byte[] prefix) {
        if (n < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (data[i] != prefix[i]) return false;
        return true;
    }

    private static DType cpuDType(String dtype) {
        return switch (dtype) {
            case "F32", "F64", "F16", "BF16" -> DType.F32;
            case "I64" -> DType.I64;
            case "BOOL" -> DType.BOOL;
            default -> DType.I32;
        };
    }

    /** Stands in for a storage that was validated but not read (see {@link #loadEntry}); never escapes. */
    private record PendingStorage(DType dtype, int size) implements Storage {
        @Override
        public Device device() {
            return Device.CPU;
        }
    }

    private static void closeQuietly(ZipFile zip) {
        try {
            zip.close();
        } catch (IOException ignored) {
            // Only read.
        }
    }

    // ================================================================= saving

    /** Saves a state dict as {@code torch.save(OrderedDict(state_dict), path)} would. */
    public static void save(Path path, Map<String, Tensor> stateDict) {
        write(path, new PickleWriter(), stateDict, true);
    }

    /**
     * Saves a tree of Maps, Lists, Strings, numbers, Booleans, nulls, byte arrays and Tensors (see
     * {@link PickleWriter}), e.g. {@code Map.of("model", stateDict, "config", config)}.
     */
    public static void save(Path path, Object tree) {
        write(path, new PickleWriter(), tree, false);
    }

    private static void write(Path path, PickleWriter writer, Object tree, boolean stateDict) {
        byte[] pkl = writer.write(tree, stateDict);
        List<CpuStorage> storages = writer.storages();
        String stem = stemOf(path);
        AtomicFiles.write(path, raw -> {
            CountingOutputStream counter = new CountingOutputStream(raw);
            ZipOutputStream zip = new ZipOutputStream(counter, StandardCharsets.UTF_8);
            putEntry(zip, counter, stem + "/data.pkl", pkl.length, sink -> sink.write(pkl, 0, pkl.length));
            byte[] order = "little".getBytes(StandardCharsets.US_ASCII);
            putEntry(zip, counter, stem + "/byteorder", order.length, sink -> sink.write(order, 0, order.length));
            for (int i = 0; i < storages.size(); i++) {
                CpuStorage s = storages.get(i);
                putEntry(zip, counter, stem + "/data/" + i, (long) s.size() * s.dtype().byteSize(), sink -> encode(s, sink));
            }
            byte[] version = "3\n".getBytes(StandardCharsets.US_ASCII);
            putEntry(zip, counter, stem + "/version", version.length, sink -> sink.write(version, 0, version.length));
            zip.finish(); // not close(): AtomicFiles owns the underlying stream
        });
    }

    /** The archive folder name torch uses: the file name without its last extension. */
    static String stemOf(Path path) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot < 0 ? name : name.substring(0, dot);
        return stem.isEmpty() || stem.equals(".") || stem.equals("..") ? "archive" : stem;
    }

    @FunctionalInterface
    private interface Sink {
        void write(byte[] b, int off, int len) throws IOException;
    }

    @FunctionalInterface
    private interface Content {
        void writeTo(Sink sink) throws IOException;
    }

    /** A stored (uncompressed) entry whose data starts at a multiple of 64 bytes, like torch's. */
    private static void putEntry(ZipOutputStream zip, CountingOutputStream counter, String name, long size, Content content)
            throws IOException {
        CRC32 crc = new CRC32();
        content.writeTo(crc::update);
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(size);
        e.setCompressedSize(size);
        e.setCrc(crc.getValue());
        e.setTimeLocal(FIXED_TIME); // reproducible files
        e.setExtra(padding(0));
        // The local header's length as this JDK writes it (with an empty padding field), measured.
        CountingOutputStream probe = new CountingOutputStream(OutputStream.nullOutputStream());
        new ZipOutputStream(probe, StandardCharsets.UTF_8).putNextEntry(new ZipEntry(e));
        int pad = (int) ((64 - (counter.count + probe.count) % 64) % 64);
        e.setExtra(padding(pad));
        zip.putNextEntry(e);
        content.writeTo(zip::write);
        zip.closeEntry();
    }

    /** torch's padding extra field: id "FB", then {@code pad} bytes of 'Z'. */
    private static byte[] padding(int pad) {
        byte[] extra = new byte[4 + pad];
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) pad;
        extra[3] = (byte) (pad >>> 8);
        for (int i = 4; i < extra.length; i++) extra[i] = 'Z';
        return extra;
    }

    /** Writes a storage's elements as little-endian bytes, in chunks. */
    private static void encode(CpuStorage s, Sink sink) throws IOException {
        final int chunk = 1 << 14;
        int n = s.size();
        ByteBuffer buf = ByteBuffer.allocate(chunk * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < n; start += chunk) {
            int end = Math.min(n, start + chunk);
            buf.clear();
            switch (s.dtype()) {
                case F32 -> {
                    float[] v = s.floats();
                    for (int i = start; i < end; i++) buf.putFloat(v[i]);
                }
                case I64 -> {
                    long[] v = s.longs();
                    for (int i = start; i < end; i++) buf.putLong(v[i]);
                }
                case I32 -> {
                    int[] v = s.ints();
                    for (int i = start; i < end; i++) buf.putInt(v[i]);
                }
                case BOOL -> {
                    byte[] v = s.bools();
                    for (int i = start; i < end; i++) buf.put(v[i] != 0 ? (byte) 1 : (byte) 0);
                }
                default -> throw new CheckpointException("cannot write " + s.dtype() + " storages");
            }
            sink.write(buf.array(), 0, buf.position());
        }
    }

    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            flush(); // the underlying stream belongs to AtomicFiles
        }
    }
}
