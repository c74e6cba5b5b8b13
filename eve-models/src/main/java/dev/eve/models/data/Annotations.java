package dev.eve.models.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the fine-tuning JSON files (a list of entries) with errors that name the file, entry and key. */
final class Annotations {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Annotations() {}

    /** The entries of one or more JSON list files, concatenated as the original does. */
    static List<Entry> read(List<Path> files) {
        return read(files, false);
    }

    /**
     * Like {@link #read(List)}; with {@code allowJsonLines} a file whose first non-blank character is
     * not '[' is read as JSON lines (one object per non-blank line; the entry index is the line number - 1).
     */
    static List<Entry> read(List<Path> files, boolean allowJsonLines) {
        List<Entry> out = new ArrayList<>();
        for (Path f : files) {
            if (allowJsonLines && !startsWithList(f)) {
                readLines(f, out);
                continue;
            }
            JsonNode root;
            try {
                root = JSON.readTree(f.toFile());
            } catch (NoSuchFileException | java.io.FileNotFoundException e) {
                throw new DataFormatException(f + ": no such file");
            } catch (IOException e) {
                throw new DataFormatException(f + ": not valid JSON: " + String.valueOf(e.getMessage()).split("\n")[0], e);
            }
            if (root == null || !root.isArray()) throw new DataFormatException(f + ": expected a JSON list of entries");
            for (int i = 0; i < root.size(); i++) {
                JsonNode e = root.get(i);
                if (!e.isObject()) throw new DataFormatException(f + ": entry " + i + " is not an object");
                out.add(new Entry(f, i, e));
            }
        }
        return out;
    }

    private static boolean startsWithList(Path f) {
        try (java.io.Reader r = java.nio.file.Files.newBufferedReader(f)) {
            int c;
            while ((c = r.read()) != -1) if (!Character.isWhitespace(c) && c != 0xFEFF) return c == '[';
            return true;
        } catch (NoSuchFileException e) {
            throw new DataFormatException(f + ": no such file");
        } catch (IOException e) {
            throw new DataFormatException(f + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static void readLines(Path f, List<Entry> out) {
        try (java.io.BufferedReader r = java.nio.file.Files.newBufferedReader(f)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                JsonNode e;
                try {
                    e = JSON.readTree(line);
                } catch (IOException ex) {
                    throw new DataFormatException(f + ": line " + n + " is not valid JSON: " + String.valueOf(ex.getMessage()).split("\n")[0]);
                }
                if (e == null || !e.isObject()) throw new DataFormatException(f + ": line " + n + " is not a JSON object");
                out.add(new Entry(f, n - 1, e));
            }
        } catch (java.nio.charset.MalformedInputException e) {
            throw new DataFormatException(f + ": not UTF-8 text");
        } catch (IOException e) {
            throw new DataFormatException(f + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** One entry with typed, named access. */
    record Entry(Path file, int index, JsonNode node) {
        String where(String key) {
            return file + ": entry " + index + ": '" + key + "'";
        }

        boolean has(String key) {
            JsonNode v = node.get(key);
            return v != null && !v.isNull();
        }

        String string(String key) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) throw new DataFormatException(where(key) + " is missing");
            if (!v.isTextual()) throw new DataFormatException(where(key) + " must be a string, got " + v);
            return v.asText();
        }

        List<String> strings(String key) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) throw new DataFormatException(where(key) + " is missing");
            List<String> out = new ArrayList<>();
            if (v.isTextual()) {
                out.add(v.asText());
                return out;
            }
            if (!v.isArray()) throw new DataFormatException(where(key) + " must be a string or a list of strings, got " + v);
            for (JsonNode s : v) {
                if (!s.isTextual()) throw new DataFormatException(where(key) + " must list strings, got " + s);
                out.add(s.asText());
            }
            return out;
        }

        long integer(String key) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) throw new DataFormatException(where(key) + " is missing");
            if (v.isIntegralNumber() && v.canConvertToLong()) return v.asLong();
            if (v.isTextual()) {
                try {
                    return Long.parseLong(v.asText().trim());
                } catch (NumberFormatException e) {
                    // fall through to the error
                }
            }
            throw new DataFormatException(where(key) + " must be an integer, got " + v);
        }

        /** {@code root} resolved against the path string at {@code key} (see {@link #resolve}). */
        Path path(Path root, String key) {
            return resolve(root, key, string(key));
        }

        /** {@code root.resolve(value)}; a value that is no file path (a NUL character) is a DataFormatException. */
        Path resolve(Path root, String key, String value) {
            try {
                return root.resolve(value);
            } catch (java.nio.file.InvalidPathException e) {
                throw new DataFormatException(where(key) + ": '" + value + "' is not a file path (" + e.getReason() + ")");
            }
        }

        /** A JSON value used as an identity key (image ids may be numbers or strings). */
        String key(String key) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) throw new DataFormatException(where(key) + " is missing");
            return v.isTextual() ? "s:" + v.asText() : "n:" + v.asText();
        }
    }
}
