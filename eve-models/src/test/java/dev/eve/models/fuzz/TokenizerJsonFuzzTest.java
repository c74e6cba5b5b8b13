package dev.eve.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.eve.core.io.fuzz.LoaderFuzzing;
import dev.eve.models.text.Encoding;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.text.TokenizerException;
import dev.eve.models.text.Tokenizers;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/**
 * Hugging Face {@code tokenizer.json} files (every model, normalizer, pre-tokenizer, post-processor
 * and decoder type): {@link Tokenizers#load} either succeeds or throws a one-line
 * {@link TokenizerException} naming the file; a loaded tokenizer then encodes and decodes a short
 * text, where only a one-line TokenizerException may escape. Seeds: {@code TokenizerJsonFuzzTestInputs/}.
 */
class TokenizerJsonFuzzTest {

    /** Vocabularies, merges, tries and regexes built from the file: a few hundred bytes per byte. */
    static final long BYTES_PER_FILE_BYTE = 1024;

    /** Short enough that no regex from a file can backtrack for long on it. */
    static final String TEXT = "Hello, wörld! 12 ab\tx \u65e5\u672c";

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void load(byte[] data) {
        Path p = LoaderFuzzing.write(LoaderFuzzing.cleanDir("hf"), "tokenizer.json", data);
        Tokenizer[] loaded = new Tokenizer[1];
        LoaderFuzzing.check(p, BYTES_PER_FILE_BYTE, () -> loaded[0] = Tokenizers.load(p), TokenizerException.class);
        if (loaded[0] != null) use(p, loaded[0]);
    }

    /** Encodes and decodes {@link #TEXT}; errors there need not name the file (they are about the text). */
    static void use(Path p, Tokenizer t) {
        LoaderFuzzing.check(p, "", LoaderFuzzing.BASE_ALLOCATION, () -> {
            Encoding e = t.encode(TEXT, true);
            t.decode(e.ids(), false);
            t.decode(e.ids(), true);
            t.encode(TEXT, true, 4);
            t.describe();
        }, TokenizerException.class);
    }
}
