package dev.eve.models.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * More models and strings than the shared fixtures (fixtures/tokenizer-extra, see its README): SentencePiece
 * models of every type and option trained with spm_train 0.1.97, tokenizer.json pipelines exercising every
 * supported component, and 733 strings (the fixture strings, random hard strings, combining-mark soups),
 * all with goldens from the real libraries.
 */
class ExtraGoldensTest {

    static final Path ROOT = Path.of("src/test/resources/fixtures/tokenizer-extra");
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> goldens(String name) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(ROOT.resolve("goldens").resolve(name + ".jsonl.gz")))) {
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<JsonNode> out = new ArrayList<>();
            for (String line : all.split("\n")) if (!line.isBlank()) out.add(JSON.readTree(line));
            return out;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x_unigram_bytefb", "x_char", "x_word", "x_bpe_suffix", "x_unigram_identity", "x_bpe_cf"})
    void sentencePieceModels(String model) throws IOException {
        Tokenizer tok = Tokenizers.load(ROOT.resolve("spm").resolve(model + ".model"));
        List<JsonNode> records = goldens("spm_" + model);
        assertTrue(records.size() >= 700);
        Fixtures.Mismatches m = new Fixtures.Mismatches(model);
        for (JsonNode r : records) {
            String id = r.get("id").asText(), text = r.get("text").asText();
            int[] ids = Fixtures.ints(r.get("ids"));
            Encoding e = tok.encode(text, false);
            m.check(Arrays.equals(ids, e.ids()), id, "ids", r.get("ids"), Arrays.toString(e.ids()));
            m.check(Fixtures.strings(r.get("pieces")).equals(e.pieces()), id, "pieces", r.get("pieces"), e.pieces());
            m.check(Arrays.equals(Fixtures.ints(r.get("ids_bos_eos")), tok.encode(text, true).ids()), id, "ids_bos_eos",
                    r.get("ids_bos_eos"), Arrays.toString(tok.encode(text, true).ids()));
            String d = tok.decode(ids, false);
            m.check(r.get("decoded").asText().equals(d), id, "decoded", r.get("decoded").asText(), d);
        }
        m.assertNone();
    }

    /** Builds the tokenizer.json of a variant spec: a base fixture with components replaced. */
    static Path assemble(String name, Path dir) throws IOException {
        JsonNode spec = JSON.readTree(ROOT.resolve("hf").resolve(name + ".json").toFile());
        ObjectNode t;
        if (spec.get("base").isNull()) {
            t = (ObjectNode) spec.get("tokenizer");
        } else {
            t = (ObjectNode) JSON.readTree(Fixtures.model(spec.get("base").asText()).resolve("tokenizer.json").toFile());
            for (var e : spec.get("set").properties()) {
                t.set(e.getKey(), e.getValue());
            }
            ObjectNode model = (ObjectNode) t.get("model");
            for (var e : spec.get("model_set").properties()) {
                model.set(e.getKey(), e.getValue());
            }
            if (spec.has("model_append_vocab")) ((ArrayNode) model.get("vocab")).addAll((ArrayNode) spec.get("model_append_vocab"));
        }
        Path file = dir.resolve(name + ".json");
        JSON.writeValue(file.toFile(), t);
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert_nfd_punct", "bert_whitespace_nfkc", "bpe_prefix_suffix", "gpt2_llama3split", "gpt2_roberta",
            "gpt2_splits_ctc", "spm_bpe8k_llama_legacy", "spm_unigram4k_first", "unigram_bytefb", "wordlevel_bert",
            "norm_nfd", "norm_nfc", "norm_nfkd", "norm_nfkc", "norm_nfd_strip", "norm_nfkc_lower_strip", "norm_bert",
            "norm_precompiled", "norm_replace_prepend", "norm_nmt"})
    void tokenizerJsonPipelines(String name, @TempDir Path dir) throws IOException {
        Tokenizer tok = Tokenizers.load(assemble(name, dir));
        List<JsonNode> records = goldens("hf_" + name);
        assertTrue(records.size() >= 700);
        Fixtures.Mismatches m = new Fixtures.Mismatches(name);
        for (JsonNode r : records) {
            String id = r.get("id").asText(), text = r.get("text").asText();
            int[] ids = Fixtures.ints(r.get("ids"));
            Encoding e = tok.encode(text, true);
            m.check(Arrays.equals(ids, e.ids()), id, "ids", r.get("ids"), Arrays.toString(e.ids()));
            m.check(Fixtures.strings(r.get("pieces")).equals(e.pieces()), id, "pieces", r.get("pieces"), e.pieces());
            int[] offs = HuggingFaceGoldenTest.flatOffsets(r.get("offsets"));
            m.check(Arrays.equals(offs, e.offsetArray()), id, "offsets", Arrays.toString(offs), Arrays.toString(e.offsetArray()));
            Encoding plain = tok.encode(text, false);
            m.check(Arrays.equals(Fixtures.ints(r.get("ids_no_special")), plain.ids()), id, "ids_no_special", r.get("ids_no_special"),
                    Arrays.toString(plain.ids()));
            m.check(r.get("decoded").asText().equals(tok.decode(ids, false)), id, "decoded", r.get("decoded").asText(), tok.decode(ids, false));
            m.check(r.get("decoded_skip_special").asText().equals(tok.decode(ids, true)), id, "decoded_skip_special",
                    r.get("decoded_skip_special").asText(), tok.decode(ids, true));
        }
        m.assertNone();
    }
}
