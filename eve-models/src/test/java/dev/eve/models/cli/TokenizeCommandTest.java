package dev.eve.models.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.models.text.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code eve tokenize} end to end: goldens through the command line, and one-line errors. */
class TokenizeCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int code, String err) {}

    private static Run run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(EveCommand.execute(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    private static Path input(Path dir, List<JsonNode> records) throws IOException {
        StringBuilder b = new StringBuilder();
        for (JsonNode r : records) b.append(JSON.createObjectNode().put("text", r.get("text").asText())).append('\n');
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, b, StandardCharsets.UTF_8);
        return in;
    }

    @Test
    void sentencePieceGoldensThroughTheCli(@TempDir Path dir) throws IOException {
        List<JsonNode> goldens = Fixtures.goldens("spm_unigram4k.jsonl");
        Path in = input(dir, goldens);
        Path out = dir.resolve("sub").resolve("out.jsonl");
        Run r = run("tokenize", "--tokenizer", Fixtures.model("spm_unigram4k.model").toString(), "--input", in.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<JsonNode> got = Fixtures.jsonl(out);
        assertEquals(goldens.size(), got.size());
        for (int i = 0; i < goldens.size(); i++) {
            assertEquals(goldens.get(i).get("ids"), got.get(i).get("ids"), goldens.get(i).get("id").asText());
            assertEquals(goldens.get(i).get("pieces"), got.get(i).get("pieces"), goldens.get(i).get("id").asText());
        }
    }

    @Test
    void specialTokensFlag(@TempDir Path dir) throws IOException {
        List<JsonNode> goldens = Fixtures.goldens("bert_base_uncased.jsonl");
        Path in = input(dir, goldens);
        Path out = dir.resolve("out.jsonl");
        assertEquals(0, run("tokenize", "--tokenizer", Fixtures.model("bert_base_uncased").toString(), "--input", in.toString(),
                "--out", out.toString(), "--add-special-tokens").code());
        List<JsonNode> got = Fixtures.jsonl(out);
        for (int i = 0; i < goldens.size(); i++) {
            assertEquals(goldens.get(i).get("ids"), got.get(i).get("ids"));
            assertEquals(goldens.get(i).get("pieces"), got.get(i).get("pieces"));
        }
        assertEquals(0, run("tokenize", "--tokenizer", Fixtures.model("bert_base_uncased").toString(), "--input", in.toString(),
                "--out", out.toString()).code());
        got = Fixtures.jsonl(out);
        for (int i = 0; i < goldens.size(); i++) assertEquals(goldens.get(i).get("ids_no_special"), got.get(i).get("ids"));
    }

    @Test
    void largeInputIsStreamedInOrder(@TempDir Path dir) throws IOException {
        List<String> texts = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 25_000; i++) {
            String t = "caption number " + i + " with a dog\u2028and a cat " + (i % 7 == 0 ? "\ud83c\udf55" : "");
            texts.add(t);
            b.append(JSON.createObjectNode().put("text", t)).append('\n');
        }
        Path in = dir.resolve("big.jsonl");
        Files.writeString(in, b, StandardCharsets.UTF_8);
        Path out = dir.resolve("big.out.jsonl");
        Run r = run("tokenize", "--tokenizer", Fixtures.model("gpt2_bytelevel").toString(), "--input", in.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<JsonNode> got = Fixtures.jsonl(out);
        assertEquals(texts.size(), got.size());
        var tok = dev.eve.models.text.Tokenizers.load(Fixtures.model("gpt2_bytelevel"));
        for (int i = 0; i < texts.size(); i += 997) {
            assertEquals(JSON.valueToTree(tok.encode(texts.get(i), false).ids()), got.get(i).get("ids"));
        }
    }

    @Test
    void errorsAreOneLine(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"text\": \"hello\"}\n");
        Path bad = dir.resolve("broken.model");
        Files.write(bad, new byte[] {8, 1, 2, 3, (byte) 0xFF});
        Run r = run("tokenize", "--tokenizer", bad.toString(), "--input", in.toString(), "--out", dir.resolve("o.jsonl").toString());
        assertNotEquals(0, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("broken.model"), r.err());

        Path tj = dir.resolve("tokenizer.json");
        Files.writeString(tj, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"UnicodeScripts\"}}");
        r = run("tokenize", "--tokenizer", tj.toString(), "--input", in.toString(), "--out", dir.resolve("o.jsonl").toString());
        assertNotEquals(0, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("UnicodeScripts"), r.err());

        Path badInput = dir.resolve("bad.jsonl");
        Files.writeString(badInput, "{\"text\": \"ok\"}\n{\"txt\": 1}\n");
        Path out = dir.resolve("never.jsonl");
        r = run("tokenize", "--tokenizer", Fixtures.model("spm_bpe8k.model").toString(), "--input", badInput.toString(), "--out", out.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("line 2"), r.err());
        assertFalse(Files.exists(out), "no partial output is left behind");
    }
}
