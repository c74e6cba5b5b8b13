package dev.eve.models.text;

import dev.eve.models.text.hf.HfTokenizer;
import dev.eve.models.text.spm.SentencePieceTokenizer;
import dev.eve.models.text.util.Utf8;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzing with random Unicode: encoding never throws (anything but {@link TokenizerException}), offsets are
 * well-formed, and the lossless tokenizers decode back to the normalized input.
 */
class TokenizerPropertiesTest {

    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();
    private static final List<String> ALL = List.of("spm_bpe8k.model", "spm_bpe6k_bytefb.model", "spm_unigram4k.model",
            "gpt2_bytelevel", "bert_base_uncased", "spm_bpe8k_hf", "spm_unigram4k_hf");

    static Tokenizer tok(String name) {
        return CACHE.computeIfAbsent(name, n -> Tokenizers.load(Fixtures.model(n)));
    }

    /** Any UTF-16 text: all planes, surrogates (paired or lone), controls, plus the fixtures' tricky pieces. */
    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> anyChars = Arbitraries.strings().all().ofMaxLength(40);
        Arbitrary<String> codePoints = Arbitraries.integers().between(0, 0x10FFFF)
                .map(Character::toString).list().ofMaxSize(25).map(l -> String.join("", l));
        Arbitrary<String> pieces = Arbitraries.of(" ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u200b", "\u200d", "\ufeff", "\u00ad",
                        "\u0000", "\u2581", "\u0120", "<s>", "</s>", "<unk>", "[CLS]", "[SEP]", "[PAD]", "<|endoftext|>", "<image>",
                        "cafe\u0301", "\ufb01", "\u2163", "\uff21", "\u4e00", "\ud55c", "\ud83c\udf55", "\ud83d\udc68\u200d\ud83d\udc69",
                        "don't", "A", "the", "1234", ".", "\ud800", "\udfff", "e\u0323\u0302", "\u0344")
                .list().ofMaxSize(12).map(l -> String.join("", l));
        return Arbitraries.oneOf(anyChars, codePoints, pieces);
    }

    @Property(tries = 300)
    void encodingNeverThrowsAndOffsetsAreWellFormed(@ForAll("texts") String text) {
        int cps = Utf8.scrub(text).codePointCount(0, Utf8.scrub(text).length());
        for (String name : ALL) {
            Tokenizer t = tok(name);
            for (boolean special : new boolean[] {false, true}) {
                Encoding e;
                try {
                    e = t.encode(text, special);
                } catch (TokenizerException ok) {
                    continue;
                }
                assertEquals(e.size(), e.pieces().size());
                for (int i = 0; i < e.size(); i++) {
                    assertTrue(0 <= e.start(i) && e.start(i) <= e.end(i) && e.end(i) <= cps, name + " offsets " + e);
                    assertTrue(e.ids()[i] >= 0 && e.ids()[i] < t.vocabSize(), name + " id " + e.ids()[i]);
                    assertEquals(t.idToPiece(e.ids()[i]) != null, true);
                }
                assertArrayEquals(e.ids(), t.encodeIds(text, special), name);
                t.decode(e.ids(), false);
                t.decode(e.ids(), true);
            }
        }
    }

    @Property(tries = 300)
    void byteLevelBpeIsLossless(@ForAll("texts") String text) {
        Tokenizer gpt2 = tok("gpt2_bytelevel");
        String scrubbed = Utf8.scrub(text);
        assertEquals(scrubbed, gpt2.decode(gpt2.encode(text, false).ids(), false));
    }

    @Property(tries = 300)
    void byteFallbackSentencePieceDecodesToTheNormalizedText(@ForAll("texts") String text) {
        SentencePieceTokenizer sp = (SentencePieceTokenizer) tok("spm_bpe6k_bytefb.model");
        String normalized = sp.normalize(text);
        // decode() turns U+2581 back into spaces and drops the dummy-prefix space of the first piece.
        String expected = normalized.replace('\u2581', ' ');
        if (!expected.isEmpty() && sp.proto().normalizer().addDummyPrefix()) expected = expected.substring(1);
        assertEquals(expected, sp.decode(sp.encode(text, false).ids(), false));
    }

    @Property(tries = 100)
    void batchEqualsOneByOne(@ForAll("texts") String a, @ForAll("texts") String b) {
        List<String> texts = List.of(a, b, a + b, "", b);
        for (String name : List.of("spm_bpe8k.model", "bert_base_uncased", "gpt2_bytelevel")) {
            Tokenizer t = tok(name);
            List<Encoding> batch = t.encodeBatch(texts, true);
            int[][] ids = t.encodeBatchIds(texts, true);
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(t.encode(texts.get(i), true).ids(), batch.get(i).ids());
                assertArrayEquals(batch.get(i).ids(), ids[i]);
            }
        }
    }

    @Property(tries = 100)
    void huggingFaceDecodeOfAddedTokensRoundTrips(@ForAll("texts") String text) {
        HfTokenizer bert = (HfTokenizer) tok("bert_base_uncased");
        Encoding e = bert.encode(text, true);
        assertEquals(101, e.ids()[0]);
        assertEquals(102, e.ids()[e.size() - 1]);
    }
}
