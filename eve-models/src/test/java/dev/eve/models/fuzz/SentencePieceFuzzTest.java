package dev.eve.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.eve.core.io.fuzz.LoaderFuzzing;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.text.TokenizerException;
import dev.eve.models.text.spm.SentencePieceTokenizer;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/**
 * SentencePiece {@code .model} files (a serialized ModelProto read at the wire level): loading either
 * succeeds or throws a one-line {@link TokenizerException} naming the file; a loaded model then
 * encodes and decodes a short text without any other exception. Seeds: {@code SentencePieceFuzzTestInputs/}.
 */
class SentencePieceFuzzTest {

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void load(byte[] data) {
        Path p = LoaderFuzzing.write("fuzz.model", data);
        Tokenizer[] loaded = new Tokenizer[1];
        LoaderFuzzing.check(p, TokenizerJsonFuzzTest.BYTES_PER_FILE_BYTE, () -> loaded[0] = SentencePieceTokenizer.load(p),
                TokenizerException.class);
        if (loaded[0] != null) TokenizerJsonFuzzTest.use(p, loaded[0]);
    }
}
