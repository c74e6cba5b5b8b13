package dev.eve.models.train;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/** Appends one JSON object per line (and flushes it), so metrics survive a crash and stream to tools. */
public final class MetricsLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;
    private final Path path;

    public MetricsLog(Path path, boolean append) {
        this.path = path;
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics file " + path + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    /** Writes {@code fields} as one JSON line. */
    public void log(Map<String, ?> fields) {
        try {
            out.write(JSON.writeValueAsString(fields));
            out.newLine();
            out.flush();
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

    /**
     * Reads a metrics file back, one map per line; a torn last line (the process was killed while
     * writing it) is ignored.
     */
    public static java.util.List<Map<String, Object>> read(Path path) {
        java.util.List<Map<String, Object>> rows = new java.util.ArrayList<>();
        try {
            for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
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
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
