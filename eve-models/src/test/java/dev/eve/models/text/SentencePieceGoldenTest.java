package dev.eve.models.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eve.models.text.spm.SentencePieceTokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every golden record of the SentencePiece models: ids, pieces, ids with BOS/EOS and decode, identical. */
class SentencePieceGoldenTest {

    @ParameterizedTest
    @ValueSource(strings = {"spm_bpe8k", "spm_bpe6k_bytefb", "spm_unigram4k"})
    void matchesSentencePiece(String model) {
        Tokenizer tok = Tokenizers.load(Fixtures.model(model + ".model"));
        List<JsonNode> records = Fixtures.goldens(model + ".jsonl");
        assertEquals(183, records.size());
        Fixtures.Mismatches m = new Fixtures.Mismatches(model);
        for (JsonNode r : records) {
            String id = r.get("id").asText(), text = r.get("text").asText();
            int[] ids = Fixtures.ints(r.get("ids"));
            Encoding e = tok.encode(text, false);
            m.check(Arrays.equals(ids, e.ids()), id, "ids", Arrays.toString(ids), Arrays.toString(e.ids()));
            List<String> pieces = Fixtures.strings(r.get("pieces"));
            m.check(pieces.equals(e.pieces()), id, "pieces", pieces, e.pieces());
            m.check(Arrays.equals(ids, tok.encodeIds(text, false)), id, "encodeIds", Arrays.toString(ids), Arrays.toString(tok.encodeIds(text, false)));
            int[] withSpecial = Fixtures.ints(r.get("ids_bos_eos"));
            m.check(Arrays.equals(withSpecial, tok.encode(text, true).ids()), id, "ids_bos_eos", Arrays.toString(withSpecial),
                    Arrays.toString(tok.encode(text, true).ids()));
            List<String> vocabPieces = Fixtures.strings(r.get("vocab_pieces"));
            List<String> actualVocab = Arrays.stream(ids).mapToObj(tok::idToPiece).toList();
            m.check(vocabPieces.equals(actualVocab), id, "vocab_pieces", vocabPieces, actualVocab);
            String decoded = r.get("decoded").asText();
            m.check(decoded.equals(tok.decode(ids, false)), id, "decoded", decoded, tok.decode(ids, false));
        }
        m.assertNone();
    }

    @ParameterizedTest
    @ValueSource(strings = {"spm_bpe8k", "spm_bpe6k_bytefb", "spm_unigram4k"})
    void specialIdsMatchSummary(String model) {
        SentencePieceTokenizer tok = SentencePieceTokenizer.load(Fixtures.model(model + ".model"));
        assertEquals(0, tok.unkId());
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertEquals(-1, tok.padId());
    }
}
