package dev.eve.models.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.backend.cpu.Parallel;
import dev.eve.core.io.AtomicFiles;
import dev.eve.models.text.Encoding;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.text.Tokenizers;
import dev.eve.models.train.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code eve tokenize}: tokenizes a JSON-lines file with any supported tokenizer. Input lines are
 * {@code {"text": "..."}}; output lines are {@code {"ids": [...], "pieces": [...]}} in the same order. The
 * input is streamed in chunks that are encoded on all cores; the output is written atomically (a crash
 * never leaves half a file).
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenize JSON lines {\"text\": ...} into {\"ids\": [...], \"pieces\": [...]} with a SentencePiece .model, "
                + "a tokenizer.json or a tokenizer folder.")
final class TokenizeCommand implements Callable<Integer> {

    private static final int CHUNK = 8192;
    private static final long PROGRESS_MIN_LINES = 20_000;

    @Option(names = "--tokenizer", required = true, description = "A .model file, a tokenizer.json, or a folder (tokenizer.json, vocab.json + merges.txt, vocab.txt or *.model).")
    Path tokenizer;

    @Option(names = "--input", required = true, description = "JSON lines, one {\"text\": ...} per line.")
    Path input;

    @Option(names = "--out", required = true, description = "Output JSON lines, one {\"ids\": [...], \"pieces\": [...]} per input line.")
    Path out;

    @Option(names = "--add-special-tokens", description = "Add the tokenizer's special tokens ([CLS]/[SEP], BOS/EOS, ...).")
    boolean addSpecialTokens;

    @Option(names = "--debug", description = "Show stack traces on errors.")
    boolean debug;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(input)) throw new IllegalArgumentException("no such input file: " + input);
        Tokenizer tok = Tokenizers.load(tokenizer);
        long lines = countLines(input);
        ObjectMapper json = new ObjectMapper();
        JsonFactory factory = json.getFactory();
        long[] written = {0};
        try (Progress progress = lines >= PROGRESS_MIN_LINES ? new Progress("tokenize", lines, "lines") : null) {
            AtomicFiles.write(out, os -> {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(input), 1 << 20)) {
                    LineReader reader = new LineReader(in);
                    long lineNo = 0;
                    while (true) {
                        List<String> chunk = new ArrayList<>(CHUNK);
                        String line;
                        while (chunk.size() < CHUNK && (line = reader.next()) != null) chunk.add(line);
                        if (chunk.isEmpty()) break;
                        byte[][] results = new byte[chunk.size()][];
                        long first = lineNo + 1;
                        Parallel.forRange(chunk.size(), 64, (s, e) -> {
                            for (int i = s; i < e; i++) results[i] = encodeLine(json, factory, tok, chunk.get(i), first + i);
                        });
                        for (byte[] r : results) {
                            if (r.length == 0) continue;
                            os.write(r);
                            written[0]++;
                        }
                        lineNo += chunk.size();
                        if (progress != null) {
                            for (int i = 0; i < chunk.size(); i++) progress.step(null);
                        }
                    }
                }
            });
        }
        System.err.println("eve: tokenized " + written[0] + " lines with " + tok.describe() + " -> " + out);
        return 0;
    }

    private byte[] encodeLine(ObjectMapper json, JsonFactory factory, Tokenizer tok, String line, long lineNo) {
        if (line.isBlank()) return new byte[0];
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException(input + " line " + lineNo + ": not valid JSON");
        }
        JsonNode text = node == null ? null : node.get("text");
        if (text == null || !text.isTextual()) {
            throw new IllegalArgumentException(input + " line " + lineNo + ": expected {\"text\": \"...\"}");
        }
        Encoding e = tok.encode(text.asText(), addSpecialTokens);
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64 + 16 * e.size());
        try (JsonGenerator g = factory.createGenerator(buf)) {
            g.writeStartObject();
            g.writeArrayFieldStart("ids");
            for (int id : e.ids()) g.writeNumber(id);
            g.writeEndArray();
            g.writeArrayFieldStart("pieces");
            for (String p : e.pieces()) g.writeString(p);
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        buf.write('\n');
        return buf.toByteArray();
    }

    /** Counts '\n'-terminated lines (plus a last unterminated one). */
    private static long countLines(Path file) throws IOException {
        long n = 0;
        boolean pending = false;
        byte[] b = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int r;
            while ((r = in.read(b)) > 0) {
                for (int i = 0; i < r; i++) {
                    if (b[i] == '\n') {
                        n++;
                        pending = false;
                    } else {
                        pending = true;
                    }
                }
            }
        }
        return pending ? n + 1 : n;
    }

    /**
     * Splits UTF-8 input on '\n' only (a trailing '\r' is dropped): JSON escapes every other line
     * terminator, and U+2028/U+2029/U+0085 may appear raw inside strings.
     */
    static final class LineReader {
        private final InputStream in;
        private byte[] buf = new byte[256];

        LineReader(InputStream in) {
            this.in = in;
        }

        String next() throws IOException {
            int n = 0;
            int c;
            boolean any = false;
            while ((c = in.read()) >= 0) {
                any = true;
                if (c == '\n') break;
                if (n == buf.length) buf = java.util.Arrays.copyOf(buf, n * 2);
                buf[n++] = (byte) c;
            }
            if (!any) return null;
            if (n > 0 && buf[n - 1] == '\r') n--;
            return new String(buf, 0, n, StandardCharsets.UTF_8);
        }
    }
}
