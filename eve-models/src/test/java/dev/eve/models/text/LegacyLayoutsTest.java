package dev.eve.models.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eve.models.text.hf.HfTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The pre-tokenizer.json folder layouts give the same tokens as the tokenizer.json files. */
class LegacyLayoutsTest {

    @Test
    void bertVocabTxtMatchesGoldens(@TempDir Path dir) throws IOException {
        Files.copy(Fixtures.model("bert_base_uncased").resolve("vocab.txt"), dir.resolve("vocab.txt"));
        Files.copy(Fixtures.model("bert_base_uncased").resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Tokenizer tok = Tokenizers.load(dir);
        HuggingFaceGoldenTest.check("bert_base_uncased", assertInstanceOf(HfTokenizer.class, tok));
        // The vocab.txt file itself works as a path too.
        assertInstanceOf(HfTokenizer.class, Tokenizers.load(dir.resolve("vocab.txt")));
    }

    @Test
    void gpt2VocabJsonAndMergesMatchGoldens(@TempDir Path dir) throws IOException {
        ObjectMapper om = new ObjectMapper();
        JsonNode root = om.readTree(Fixtures.model("gpt2_bytelevel").resolve("tokenizer.json").toFile());
        JsonNode model = root.get("model");
        Files.writeString(dir.resolve("vocab.json"), om.writeValueAsString(model.get("vocab")), StandardCharsets.UTF_8);
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        for (JsonNode m : model.get("merges")) {
            merges.append(m.isTextual() ? m.asText() : m.get(0).asText() + " " + m.get(1).asText()).append('\n');
        }
        Files.writeString(dir.resolve("merges.txt"), merges, StandardCharsets.UTF_8);
        Tokenizer tok = Tokenizers.load(dir);
        Fixtures.Mismatches mm = new Fixtures.Mismatches("gpt2 vocab.json + merges.txt");
        for (JsonNode r : Fixtures.goldens("gpt2_bytelevel.jsonl")) {
            String id = r.get("id").asText(), text = r.get("text").asText();
            Encoding e = tok.encode(text, true);
            mm.check(Arrays.equals(Fixtures.ints(r.get("ids")), e.ids()), id, "ids", r.get("ids"), Arrays.toString(e.ids()));
            mm.check(Fixtures.strings(r.get("pieces")).equals(e.pieces()), id, "pieces", r.get("pieces"), e.pieces());
            mm.check(Arrays.equals(HuggingFaceGoldenTest.flatOffsets(r.get("offsets")), e.offsetArray()), id, "offsets",
                    r.get("offsets"), Arrays.toString(e.offsetArray()));
            mm.check(r.get("decoded").asText().equals(tok.decode(e.ids(), false)), id, "decoded", r.get("decoded").asText(),
                    tok.decode(e.ids(), false));
        }
        mm.assertNone();
        // tokenizer_config.json's add_prefix_space is honoured, as transformers' converter does.
        ObjectNode cfg = om.createObjectNode().put("add_prefix_space", true);
        Files.writeString(dir.resolve("tokenizer_config.json"), cfg.toString());
        Encoding e = Tokenizers.load(dir).encode("Hello", false);
        org.junit.jupiter.api.Assertions.assertEquals(List.of("ĠHello"), e.pieces());
    }
}
