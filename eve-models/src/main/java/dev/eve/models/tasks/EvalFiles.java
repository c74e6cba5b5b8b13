package dev.eve.models.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.eve.core.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/** Writes evaluation results as indented JSON, atomically. */
public final class EvalFiles {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EvalFiles() {}

    public static Path write(Path dir, String file, Map<String, ?> result) {
        if (dir == null) return null;
        Path p = dir.resolve(file);
        try {
            AtomicFiles.write(p, JSON.writeValueAsBytes(result));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
        }
        return p;
    }
}
