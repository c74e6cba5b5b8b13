package dev.eve.models.train;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Appends one JSON object per line, each line with a single write, so metrics survive a crash and
 * stream to tools. A line torn by a crash (no final newline) is cut off when the file is opened
 * again, so the next line never glues onto it; {@link #resume} also drops the lines written after
 * the checkpoint a run resumes from, so a resumed run's file equals an uninterrupted run's.
 */
public final class MetricsLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final FileChannel out;
    private final Path path;
    private long size;

    /** Opens {@code path}, keeping its complete lines ({@code append}) or emptying it. */
    public MetricsLog(Path path, boolean append) {
        this(path, append ? -1 : 0);
    }

    /**
     * Opens {@code path} for a run resumed from a checkpoint taken when the file had
     * {@code keepBytes} bytes: later lines (written after that checkpoint, before the crash) are
     * dropped. {@code keepBytes < 0} keeps every complete line.
     */
    public static MetricsLog resume(Path path, long keepBytes) {
        return new MetricsLog(path, keepBytes);
    }

    private MetricsLog(Path path, long keepBytes) {
        this.path = path;
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            try {
                long keep = keepBytes < 0 ? out.size() : Math.min(keepBytes, out.size());
                keep = lastLineEnd(out, keep);
                out.truncate(keep);
                out.position(keep);
                size = keep;
            } catch (IOException | RuntimeException e) {
                out.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics file " + path + ": " + e.getMessage(), e);
        }
    }

    /** The end of the last complete line at or before {@code limit} (0 when there is none). */
    private static long lastLineEnd(FileChannel ch, long limit) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        long end = limit;
        while (end > 0) {
            long start = Math.max(0, end - buf.capacity());
            buf.clear().limit((int) (end - start));
            int n = 0;
            while (buf.hasRemaining()) {
                int r = ch.read(buf, start + n);
                if (r < 0) break;
                n += r;
            }
            for (int i = n - 1; i >= 0; i--) if (buf.get(i) == '\n') return start + i + 1;
            end = start;
        }
        return 0;
    }

    public Path path() {
        return path;
    }

    /** Bytes in the file: what a checkpoint records to resume the log with {@link #resume}. */
    public synchronized long size() {
        return size;
    }

    /** Writes {@code fields} as one JSON line (one write call: a crash tears at most this line). */
    public synchronized void log(Map<String, ?> fields) {
        try {
            byte[] line = (JSON.writeValueAsString(fields) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) out.write(b);
            size += line.length;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics to " + path + ": " + e.getMessage(), e);
        }
    }

    /** Convenience: alternating keys and values. */
    public void log(Object... keyValues) {
        if (keyValues.length % 2 != 0) throw new IllegalArgumentException("keys and values must alternate");
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
        log(m);
    }

    /** Flushes the lines written so far to disk (before a checkpoint that records {@link #size()}). */
    public synchronized void sync() {
        try {
            out.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sync metrics file " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a metrics file back, one map per line; a torn last line (the process was killed while
     * writing it) is ignored.
     */
    public static java.util.List<Map<String, Object>> read(Path path) {
        java.util.List<Map<String, Object>> rows = new java.util.ArrayList<>();
        try {
            // Decoded leniently: a line torn inside a multi-byte character must not hide the others.
            for (String line : new String(Files.readAllBytes(path), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) continue;
                try {
                    rows.add(JSON.readValue(line, new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {}));
                } catch (IOException e) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read metrics file " + path + ": " + e.getMessage(), e);
        }
        return rows;
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
