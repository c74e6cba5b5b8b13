package dev.eve.models.data.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.text.Tokenizers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The word-level vocabulary of the synthetic texts and its Hugging Face {@code tokenizer.json}:
 * BERT style ({@code BertNormalizer} with lower-casing, {@code BertPreTokenizer}, a {@code WordPiece}
 * model whose pieces are the whole words, {@code WordPiece} decoder) and BERT's post-processor, so
 * every text is {@code [CLS] words [SEP]} as with the {@code bert-base-uncased} tokenizer the
 * original fine-tuning configs name (the text CLS summarises the sentence for retrieval). Ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, then
 * the words in alphabetical order. The vocabulary is the same for all settings (it holds the words of
 * every template, shape, colour, number and answer), so one tokenizer serves every synthetic data set.
 */
public final class SyntheticVocabulary {

    public static final String PAD = "[PAD]", UNK = "[UNK]", CLS = "[CLS]", SEP = "[SEP]", MASK = "[MASK]";
    public static final int PAD_ID = 0, UNK_ID = 1, CLS_ID = 2, SEP_ID = 3, MASK_ID = 4;

    /** The words of the templates besides shapes, colours, sizes, quadrants, numbers and answers. */
    private static final List<String> FUNCTION_WORDS = List.of(
            "a", "and", "are", "both", "color", "contain", "contains", "fewer", "has", "have", "how", "image", "images", "in",
            "is", "many", "more", "neither", "number", "object", "objects", "of", "picture", "same", "shape", "size", "than",
            "the", "there", "total", "what", "where", "yes", "no");

    private static final List<String> WORDS = buildWords();
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static volatile Tokenizer tokenizer;

    private SyntheticVocabulary() {}

    private static List<String> buildWords() {
        TreeSet<String> w = new TreeSet<>(FUNCTION_WORDS);
        for (Shape s : Shape.values()) {
            w.add(s.word());
            w.add(s.plural());
        }
        for (Colour c : Colour.values()) w.add(c.word());
        for (Size s : Size.values()) w.add(s.word());
        for (Cell c : Cell.values()) w.addAll(List.of(c.words().split(" ")));
        w.addAll(Numbers.WORDS);
        for (String a : QuestionType.allAnswers()) w.addAll(List.of(a.split(" ")));
        return List.copyOf(w);
    }

    /** The words, alphabetically (ids {@code 5, 6, ...}). */
    public static List<String> words() {
        return WORDS;
    }

    /** Every token by id: the five special tokens, then the words. */
    public static List<String> tokens() {
        List<String> out = new ArrayList<>(List.of(PAD, UNK, CLS, SEP, MASK));
        out.addAll(WORDS);
        return out;
    }

    /** Number of ids. */
    public static int size() {
        return WORDS.size() + 5;
    }

    /** The {@code tokenizer.json} text. */
    public static String tokenizerJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        List<String> tokens = tokens();
        for (int id = 0; id < 5; id++) {
            ObjectNode t = added.addObject();
            t.put("id", id);
            t.put("content", tokens.get(id));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "BertNormalizer");
        norm.put("clean_text", true);
        norm.put("handle_chinese_chars", true);
        norm.putNull("strip_accents");
        norm.put("lowercase", true);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "BertProcessing");
        post.putArray("sep").add(SEP).add(SEP_ID);
        post.putArray("cls").add(CLS).add(CLS_ID);
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "WordPiece");
        dec.put("prefix", "##");
        dec.put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", UNK);
        model.put("continuing_subword_prefix", "##");
        model.put("max_input_chars_per_word", 100);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < tokens.size(); id++) vocab.put(tokens.get(id), id);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code tokenizer_config.json} text: the special tokens (so the pad token is [PAD], id 0). */
    public static String tokenizerConfigJson() {
        ObjectNode c = JSON.createObjectNode();
        c.put("tokenizer_class", "BertTokenizerFast");
        c.put("do_lower_case", true);
        c.put("unk_token", UNK);
        c.put("pad_token", PAD);
        c.put("cls_token", CLS);
        c.put("sep_token", SEP);
        c.put("mask_token", MASK);
        c.put("model_max_length", 512);
        c.put("clean_up_tokenization_spaces", true);
        try {
            return JSON.writeValueAsString(c) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} (created); returns dir. */
    public static Path write(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson());
            Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfigJson());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the synthetic tokenizer to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The tokenizer, loaded once through {@link Tokenizers#load} like any tokenizer folder (written to a
     * temporary folder that is deleted again).
     */
    public static Tokenizer tokenizer() {
        Tokenizer t = tokenizer;
        if (t != null) return t;
        synchronized (SyntheticVocabulary.class) {
            if (tokenizer != null) return tokenizer;
            Path dir = null;
            try {
                dir = Files.createTempDirectory("eve-synthetic-tokenizer");
                tokenizer = Tokenizers.load(write(dir));
                return tokenizer;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the synthetic tokenizer: " + e.getMessage(), e);
            } finally {
                if (dir != null) {
                    try {
                        Files.deleteIfExists(dir.resolve("tokenizer.json"));
                        Files.deleteIfExists(dir.resolve("tokenizer_config.json"));
                        Files.deleteIfExists(dir);
                    } catch (IOException ignored) {
                        // a leftover temporary folder is harmless
                    }
                }
            }
        }
    }
}
