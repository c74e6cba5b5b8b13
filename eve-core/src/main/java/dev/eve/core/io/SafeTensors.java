package dev.eve.core.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eve.core.backend.cpu.CpuBackend;
import dev.eve.core.backend.cpu.CpuStorage;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then raw little-endian data). Reading maps the file and copies each
 * tensor only when asked; every header field is checked against the file before anything is
 * allocated. Writing is atomic.
 *
 * <p>On the CPU, half-precision (F16, BF16) and F64 tensors are widened/narrowed to F32, and the
 * small integer types to I32.
 */
public final class SafeTensors implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final long MAX_HEADER = 100L << 20;

    /** One tensor's header entry. */
    public record Entry(String name, String dtype, int[] shape, long begin, long end) {
        public int numel() {
            return Shapes.numel(shape);
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafeTensors(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens a file and validates its header; tensors are read on demand. */
    public static SafeTensors open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path + ": no such file");
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot open: " + e.getMessage(), e);
        }
        try {
            return parse(path, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** Reads every tensor of a file, in file order. */
    public static Map<String, Tensor> load(Path path) {
        try (SafeTensors f = open(path)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : f.names()) out.put(name, f.tensor(name));
            return out;
        }
    }

    private static SafeTensors parse(Path path, FileChannel ch) {
        try {
            long size = ch.size();
            if (size < 8) throw new CheckpointException(path + ": not a safetensors file (" + size + " bytes, no header)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > size - 8 || headerLen > MAX_HEADER)
                throw new CheckpointException(path + ": invalid safetensors header length " + headerLen + " for a file of " + size + " bytes");
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CheckpointException(path + ": safetensors header is not valid JSON: " + firstLine(e.getMessage()));
            }
            if (root == null || !root.isObject()) throw new CheckpointException(path + ": safetensors header is not a JSON object");
            long dataLen = size - 8 - headerLen;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> byOffset = new ArrayList<>();
            for (Map.Entry<String, JsonNode> f : root.properties()) {
                if (f.getKey().equals("__metadata__")) {
                    if (!f.getValue().isObject()) throw new CheckpointException(path + ": __metadata__ must be an object of strings");
                    for (Map.Entry<String, JsonNode> kv : f.getValue().properties()) {
                        if (!kv.getValue().isTextual())
                            throw new CheckpointException(path + ": __metadata__ value of '" + kv.getKey() + "' is not a string");
                        metadata.put(kv.getKey(), kv.getValue().asText());
                    }
                    continue;
                }
                Entry e = entry(path, f.getKey(), f.getValue(), dataLen);
                entries.put(e.name(), e);
                byOffset.add(e);
            }
            byOffset.sort((a, b) -> Long.compare(a.begin(), b.begin()));
            long expected = 0;
            for (Entry e : byOffset) {
                if (e.begin() != expected)
                    throw new CheckpointException(path + ": tensor '" + e.name() + "' starts at byte " + e.begin()
                            + " but the previous data ends at " + expected + " (overlap or gap)");
                expected = e.end();
            }
            if (expected != dataLen)
                throw new CheckpointException(path + ": tensors cover " + expected + " bytes of data but the file has " + dataLen);
            return new SafeTensors(path, ch, 8 + headerLen, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static Entry entry(Path path, String name, JsonNode node, long dataLen) {
        String where = path + ": tensor '" + name + "'";
        if (!node.isObject()) throw new CheckpointException(where + ": header entry is not an object");
        JsonNode dt = node.get("dtype"), sh = node.get("shape"), off = node.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw new CheckpointException(where + ": missing dtype");
        if (sh == null || !sh.isArray()) throw new CheckpointException(where + ": missing shape");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()
                || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber())
            throw new CheckpointException(where + ": data_offsets must be [begin, end]");
        String dtype = dt.asText();
        int elementSize = elementSize(dtype);
        if (elementSize < 0) throw new CheckpointException(where + ": unsupported dtype " + dtype);
        int[] shape = new int[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE)
                throw new CheckpointException(where + ": invalid shape " + sh);
            shape[i] = (int) d.asLong();
            numel *= shape[i];
            if (numel > Integer.MAX_VALUE) throw new CheckpointException(where + ": shape " + sh + " is too large");
        }
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLen)
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end + "] outside the " + dataLen + " data bytes");
        if (end - begin != numel * elementSize)
            throw new CheckpointException(where + ": " + dtype + " " + sh + " needs " + numel * elementSize
                    + " bytes but data_offsets span " + (end - begin));
        return new Entry(name, dtype, shape, begin, end);
    }

    private static int elementSize(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> -1;
        };
    }

    /** Tensor names in file order. */
    public List<String> names() {
        return new ArrayList<>(entries.keySet());
    }

    /** Header entry of a tensor, or null. */
    public Entry entry(String name) {
        return entries.get(name);
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public Path path() {
        return path;
    }

    /** Reads one tensor into memory (CPU). */
    public Tensor tensor(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new CheckpointException(path + ": no tensor named '" + name + "'");
        int n = e.numel();
        ByteBuffer buf;
        try {
            if (e.end() - e.begin() > Integer.MAX_VALUE) {
                throw new CheckpointException(path + ": tensor '" + name + "' is larger than 2 GiB, which one CPU tensor cannot hold");
            } else if (e.end() == e.begin()) {
                buf = ByteBuffer.allocate(0);
            } else {
                MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.end() - e.begin());
                buf = mapped;
            }
        } catch (IOException ex) {
            throw new CheckpointException(path + ": cannot map tensor '" + name + "': " + ex.getMessage(), ex);
        }
        buf.order(ByteOrder.LITTLE_ENDIAN);
        return decode(e.dtype(), buf, n, e.shape());
    }

    /** Decodes little-endian elements into a CPU tensor. Shared with the PyTorch loader. */
    static Tensor decode(String dtype, ByteBuffer buf, int n, int[] shape) {
        buf.order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case "F32" -> {
                float[] v = new float[n];
                buf.asFloatBuffer().get(v);
                return Tensor.fromStorage(CpuStorage.wrap(v), shape);
            }
            case "F64" -> {
                float[] v = new float[n];
                var d = buf.asDoubleBuffer();
                for (int i = 0; i < n; i++) v[i] = (float) d.get(i);
                return Tensor.fromStorage(CpuStorage.wrap(v), shape);
            }
            case "F16" -> {
                float[] v = new float[n];
                var s = buf.asShortBuffer();
                for (int i = 0; i < n; i++) v[i] = Float.float16ToFloat(s.get(i));
                return Tensor.fromStorage(CpuStorage.wrap(v), shape);
            }
            case "BF16" -> {
                float[] v = new float[n];
                var s = buf.asShortBuffer();
                for (int i = 0; i < n; i++) v[i] = Float.intBitsToFloat((s.get(i) & 0xFFFF) << 16);
                return Tensor.fromStorage(CpuStorage.wrap(v), shape);
            }
            case "I64", "U64" -> {
                long[] v = new long[n];
                buf.asLongBuffer().get(v);
                return Tensor.fromStorage(CpuStorage.wrap(v), shape);
            }
            case "I32", "U32" -> {
                int[] v = new int[n];
                buf.asIntBuffer().get(v);
                if (dtype.equals("U32")) {
                    long[] w = new long[n];
                    for (int i = 0; i < n; i++) w[i] = v[i] & 0xFFFFFFFFL;
                    return Tensor.fromStorage(CpuStorage.wrap(w), shape);
                }
                return Tensor.fromStorage(CpuStorage.wrap(v), shape);
            }
            case "I16", "U16" -> {
                int[] v = new int[n];
                var s = buf.asShortBuffer();
                for (int i = 0; i < n; i++) v[i] = dtype.equals("I16") ? s.get(i) : s.get(i) & 0xFFFF;
                return Tensor.fromStorage(CpuStorage.wrap(v), shape);
            }
            case "I8", "U8" -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) v[i] = dtype.equals("I8") ? buf.get(i) : buf.get(i) & 0xFF;
                return Tensor.fromStorage(CpuStorage.wrap(v), shape);
            }
            case "BOOL" -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = buf.get(i) != 0 ? 1 : 0;
                return Tensor.fromStorage(CpuBackend.INSTANCE.fromLongs(v, DType.BOOL), shape);
            }
            default -> throw new IllegalArgumentException("unsupported dtype " + dtype);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    // ================================================================= writing

    /** Writes tensors (in map order) and string metadata atomically. */
    public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        List<Tensor> ordered = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) throw new IllegalArgumentException("'__metadata__' is not a valid tensor name");
            Tensor t = e.getValue();
            ObjectNode node = header.putObject(e.getKey());
            node.put("dtype", t.dtype().safetensorsName());
            var shape = node.putArray("shape");
            for (int d : t.shape()) shape.add(d);
            long bytes = (long) t.numel() * t.dtype().byteSize();
            var offs = node.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + bytes);
            offset += bytes;
            ordered.add(t);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot encode header: " + e.getMessage(), e);
        }
        int padded = (json.length + 7) & ~7;
        byte[] head = new byte[8 + padded];
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(json, 0, head, 8, json.length);
        for (int i = 8 + json.length; i < head.length; i++) head[i] = ' ';
        AtomicFiles.write(path, out -> {
            out.write(head);
            for (Tensor t : ordered) writeData(out, t);
        });
    }

    public static void save(Path path, Map<String, Tensor> tensors) {
        save(path, tensors, Map.of());
    }

    private static void writeData(OutputStream out, Tensor t) throws IOException {
        final int chunk = 1 << 16;
        ByteBuffer buf = ByteBuffer.allocate(chunk * 8).order(ByteOrder.LITTLE_ENDIAN);
        int n = t.numel();
        switch (t.dtype()) {
            case F32 -> {
                float[] v = t.toFloatArray();
                for (int s = 0; s < n; s += chunk) {
                    buf.clear();
                    int e = Math.min(n, s + chunk);
                    for (int i = s; i < e; i++) buf.putFloat(v[i]);
                    out.write(buf.array(), 0, buf.position());
                }
            }
            case I64, I32, BOOL -> {
                long[] v = t.toLongArray();
                for (int s = 0; s < n; s += chunk) {
                    buf.clear();
                    int e = Math.min(n, s + chunk);
                    for (int i = s; i < e; i++) {
                        switch (t.dtype()) {
                            case I64 -> buf.putLong(v[i]);
                            case I32 -> buf.putInt((int) v[i]);
                            default -> buf.put((byte) (v[i] != 0 ? 1 : 0));
                        }
                    }
                    out.write(buf.array(), 0, buf.position());
                }
            }
            default -> throw new CheckpointException("cannot write " + t.dtype() + " tensors from the CPU");
        }
    }

    // ================================================================= helpers

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw new IOException("unexpected end of file");
            pos += r;
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Nothing useful to do: the file was only read.
        }
    }
}
