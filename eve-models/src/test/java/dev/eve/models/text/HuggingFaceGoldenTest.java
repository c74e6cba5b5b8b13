package dev.eve.models.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eve.models.text.hf.HfTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every golden record of the tokenizer.json models: ids, pieces, offsets and the decodes, identical. */
class HuggingFaceGoldenTest {

    static int[] flatOffsets(JsonNode offsets) {
        int[] o = new int[offsets.size() * 2];
        for (int i = 0; i < offsets.size(); i++) {
            o[2 * i] = offsets.get(i).get(0).asInt();
            o[2 * i + 1] = offsets.get(i).get(1).asInt();
        }
        return o;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2_bytelevel", "bert_base_uncased", "spm_bpe8k_hf", "spm_unigram4k_hf"})
    void matchesHuggingFaceTokenizers(String model) {
        HfTokenizer tok = HfTokenizer.load(Fixtures.model(model).resolve("tokenizer.json"));
        check(model, tok);
    }

    static void check(String model, HfTokenizer tok) {
        List<JsonNode> records = Fixtures.goldens(model + ".jsonl");
        assertEquals(183, records.size());
        Fixtures.Mismatches m = new Fixtures.Mismatches(model);
        for (JsonNode r : records) {
            String id = r.get("id").asText(), text = r.get("text").asText();
            Encoding e = tok.encode(text, true);
            int[] ids = Fixtures.ints(r.get("ids"));
            m.check(Arrays.equals(ids, e.ids()), id, "ids", Arrays.toString(ids), Arrays.toString(e.ids()));
            List<String> pieces = Fixtures.strings(r.get("pieces"));
            m.check(pieces.equals(e.pieces()), id, "pieces", pieces, e.pieces());
            int[] offs = flatOffsets(r.get("offsets"));
            m.check(Arrays.equals(offs, e.offsetArray()), id, "offsets", Arrays.toString(offs), Arrays.toString(e.offsetArray()));
            Encoding plain = tok.encode(text, false);
            int[] idsNo = Fixtures.ints(r.get("ids_no_special"));
            m.check(Arrays.equals(idsNo, plain.ids()), id, "ids_no_special", Arrays.toString(idsNo), Arrays.toString(plain.ids()));
            List<String> piecesNo = Fixtures.strings(r.get("pieces_no_special"));
            m.check(piecesNo.equals(plain.pieces()), id, "pieces_no_special", piecesNo, plain.pieces());
            String dec = r.get("decoded").asText();
            m.check(dec.equals(tok.decode(ids, false)), id, "decoded", dec, tok.decode(ids, false));
            String decSkip = r.get("decoded_skip_special").asText();
            m.check(decSkip.equals(tok.decode(ids, true)), id, "decoded_skip_special", decSkip, tok.decode(ids, true));
            String decPy = r.get("decoded_python").asText();
            m.check(decPy.equals(tok.decodePython(ids, false)), id, "decoded_python", decPy, tok.decodePython(ids, false));
        }
        m.assertNone();
    }

    @Test
    void evePaddingMaxLength40() {
        List<JsonNode> records = Fixtures.goldens("eve_padding_max40.jsonl");
        assertEquals(40, records.size());
        Fixtures.Mismatches m = new Fixtures.Mismatches("eve_padding_max40");
        for (String model : List.of("bert_base_uncased", "gpt2_bytelevel")) {
            Tokenizer tok = Tokenizers.load(Fixtures.model(model));
            List<JsonNode> mine = records.stream().filter(r -> r.get("model").asText().equals(model)).toList();
            List<String> texts = new ArrayList<>();
            for (JsonNode r : mine) texts.add(r.get("text").asText());
            BatchOptions opts = BatchOptions.maxLength(40);
            if (model.startsWith("gpt2")) opts = opts.withPadToken(mine.get(0).get("pad_token").asText());
            BatchEncoding batch = tok.encodeBatch(texts, opts);
            for (int i = 0; i < mine.size(); i++) {
                JsonNode r = mine.get(i);
                String id = model + "/" + r.get("id").asText();
                m.check(Arrays.equals(Fixtures.ints(r.get("input_ids")), batch.inputIds()[i]), id, "input_ids",
                        r.get("input_ids"), Arrays.toString(batch.inputIds()[i]));
                m.check(Arrays.equals(Fixtures.ints(r.get("attention_mask")), batch.attentionMask()[i]), id, "attention_mask",
                        r.get("attention_mask"), Arrays.toString(batch.attentionMask()[i]));
                m.check(Arrays.equals(Fixtures.ints(r.get("token_type_ids")), batch.tokenTypeIds()[i]), id, "token_type_ids",
                        r.get("token_type_ids"), Arrays.toString(batch.tokenTypeIds()[i]));
                m.check(Fixtures.strings(r.get("pieces")).equals(batch.encodings().get(i).pieces()), id, "pieces",
                        r.get("pieces"), batch.encodings().get(i).pieces());
            }
        }
        m.assertNone();
    }
}
