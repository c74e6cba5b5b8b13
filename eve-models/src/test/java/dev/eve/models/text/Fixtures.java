package dev.eve.models.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The tokenizer fixtures copied into the test resources (see fixtures/tokenizer/README.md). */
public final class Fixtures {

    public static final Path ROOT = Path.of("src/test/resources/fixtures/tokenizer");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    public static Path model(String name) {
        return ROOT.resolve("models").resolve(name);
    }

    /** Golden records; split on '\n' only (texts hold raw U+0085, U+2028, U+2029). */
    public static List<JsonNode> goldens(String file) {
        return jsonl(ROOT.resolve("goldens").resolve(file));
    }

    public static List<JsonNode> jsonl(Path file) {
        try {
            String all = Files.readString(file, StandardCharsets.UTF_8);
            List<JsonNode> out = new ArrayList<>();
            for (String line : all.split("\n")) {
                if (!line.isBlank()) out.add(JSON.readTree(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode arr) {
        int[] a = new int[arr.size()];
        for (int i = 0; i < a.length; i++) a[i] = arr.get(i).asInt();
        return a;
    }

    public static List<String> strings(JsonNode arr) {
        List<String> a = new ArrayList<>();
        for (JsonNode n : arr) a.add(n.asText());
        return a;
    }

    /** Collects mismatches and fails once with a readable summary. */
    public static final class Mismatches {
        private final String what;
        private final List<String> lines = new ArrayList<>();
        private int checked;

        public Mismatches(String what) {
            this.what = what;
        }

        public void check(boolean ok, String id, String field, Object expected, Object actual) {
            checked++;
            if (!ok) lines.add(id + " " + field + ": expected " + expected + " but got " + actual);
        }

        public int checked() {
            return checked;
        }

        public void assertNone() {
            if (!lines.isEmpty()) {
                StringBuilder b = new StringBuilder(what + ": " + lines.size() + " of " + checked + " checks differ\n");
                for (int i = 0; i < Math.min(40, lines.size()); i++) b.append("  ").append(lines.get(i)).append('\n');
                throw new AssertionError(b.toString());
            }
        }
    }
}
