package dev.eve.models.text;

import dev.eve.models.text.hf.HfTokenizer;
import dev.eve.models.text.spm.SentencePieceTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading by path, and one-line errors naming the file and the unsupported component for bad files. */
class TokenizerFilesTest {

    private static void assertOneLine(TokenizerFormatException e, String... mustContain) {
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        for (String s : mustContain) assertTrue(m.contains(s), "message \"" + m + "\" should mention " + s);
    }

    @Test
    void loadsEveryLayout(@TempDir Path dir) throws IOException {
        assertInstanceOf(SentencePieceTokenizer.class, Tokenizers.load(Fixtures.model("spm_bpe8k.model")));
        assertInstanceOf(HfTokenizer.class, Tokenizers.load(Fixtures.model("gpt2_bytelevel")));
        assertInstanceOf(HfTokenizer.class, Tokenizers.load(Fixtures.model("gpt2_bytelevel").resolve("tokenizer.json")));
        Files.copy(Fixtures.model("spm_unigram4k.model"), dir.resolve("only.model"));
        assertInstanceOf(SentencePieceTokenizer.class, Tokenizers.load(dir));
    }

    @Test
    void brokenModelFiles(@TempDir Path dir) throws IOException {
        Path garbage = dir.resolve("garbage.model");
        Files.write(garbage, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1, 2, 3});
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(garbage)), "garbage.model", "SentencePiece");
        byte[] real = Files.readAllBytes(Fixtures.model("spm_bpe8k.model"));
        Path truncated = dir.resolve("truncated.model");
        Files.write(truncated, Arrays.copyOf(real, real.length / 2));
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(truncated)), "truncated.model");
        Path empty = dir.resolve("empty.model");
        Files.write(empty, new byte[0]);
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(empty)), "empty.model");
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(dir.resolve("missing.model"))), "missing.model");
    }

    private static Path json(Path dir, String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void unsupportedComponentsAreNamed(@TempDir Path dir) throws IOException {
        String bpe = "\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]}";
        assertOneLine(assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.load(json(dir, "t1.json", "{\"pre_tokenizer\": {\"type\": \"UnicodeScripts\"}, " + bpe + "}"))),
                "t1.json", "pre_tokenizer", "UnicodeScripts");
        assertOneLine(assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.load(json(dir, "t2.json", "{\"model\": {\"type\": \"Mystery\"}}"))), "t2.json", "model", "Mystery");
        assertOneLine(assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.load(json(dir, "t3.json", "{\"normalizer\": {\"type\": \"Shout\"}, " + bpe + "}"))), "t3.json", "normalizer", "Shout");
        assertOneLine(assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.load(json(dir, "t4.json", "{\"decoder\": {\"type\": \"Whisper\"}, " + bpe + "}"))), "t4.json", "decoder", "Whisper");
        assertOneLine(assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.load(json(dir, "t5.json", "{\"post_processor\": {\"type\": \"Nope\"}, " + bpe + "}"))), "t5.json", "post_processor", "Nope");
        assertOneLine(assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.load(json(dir, "t6.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}"))),
                "t6.json", "merges", "`b`");
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(json(dir, "t7.json", "{\"model\": "))),
                "t7.json", "JSON");
        assertOneLine(assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.load(json(dir, "t8.json", "{\"version\": \"2.0\", " + bpe + "}"))), "t8.json", "version");
        assertOneLine(assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.load(json(dir, "t9.json", "{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, "
                        + "\"behavior\": \"Isolated\", \"invert\": false}, " + bpe + "}"))), "t9.json", "regex");
        Path empty = Files.createDirectories(dir.resolve("emptyfolder"));
        assertOneLine(assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(empty)), "emptyfolder", "unsupported");
    }
}
