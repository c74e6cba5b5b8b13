package dev.eve.models.text.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eve.models.text.TokenizerFormatException;
import dev.eve.models.text.hf.decoders.ByteLevelDecoder;
import dev.eve.models.text.hf.decoders.WordPieceDecoder;
import dev.eve.models.text.hf.models.Bpe;
import dev.eve.models.text.hf.models.WordPiece;
import dev.eve.models.text.hf.normalizers.BertNormalizer;
import dev.eve.models.text.hf.pretokenizers.BertPreTokenizer;
import dev.eve.models.text.hf.pretokenizers.ByteLevel;
import dev.eve.models.text.hf.processors.ByteLevelProcessing;
import dev.eve.models.text.hf.processors.TemplateProcessing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The folder layouts that predate tokenizer.json, converted the way transformers' {@code AutoTokenizer}
 * converts them into fast tokenizers (convert_slow_tokenizer.py): GPT-2's {@code vocab.json} +
 * {@code merges.txt} ({@code GPT2Converter}) and BERT's {@code vocab.txt} ({@code BertConverter}); a
 * {@code tokenizer_config.json} beside them supplies {@code add_prefix_space}, {@code do_lower_case},
 * {@code strip_accents}, {@code tokenize_chinese_chars} and the special tokens.
 */
public final class LegacyLayouts {

    private LegacyLayouts() {}

    private static JsonNode config(Path dir) {
        Path cfg = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(cfg)) return TokenizerJson.mapper().createObjectNode();
        try {
            return TokenizerJson.mapper().readTree(cfg.toFile());
        } catch (IOException e) {
            throw TokenizerFormatException.of(cfg, "not valid JSON (" + e.getMessage() + ")");
        }
    }

    private static String token(JsonNode cfg, String key, String dflt) {
        String s = TokenizerJson.Config.tokenString(cfg.get(key));
        return s != null ? s : dflt;
    }

    /** GPT-2: byte-level BPE from vocab.json and merges.txt. */
    public static HfTokenizer gpt2(Path dir) {
        Path vocabFile = dir.resolve("vocab.json"), mergesFile = dir.resolve("merges.txt");
        Map<String, Integer> vocab = new HashMap<>();
        try {
            JsonNode v = TokenizerJson.mapper().readTree(vocabFile.toFile());
            if (v == null || !v.isObject()) throw TokenizerFormatException.of(vocabFile, "not a vocabulary (expected a JSON object of token -> id)");
            for (var e : v.properties()) {
                if (e.getValue().isNumber()) vocab.put(e.getKey(), e.getValue().asInt());
            }
        } catch (IOException e) {
            throw TokenizerFormatException.of(vocabFile, "not valid JSON (" + e.getMessage() + ")");
        }
        List<String[]> merges = new ArrayList<>();
        try {
            int lineNo = 0;
            for (String line : Files.readString(mergesFile, StandardCharsets.UTF_8).split("\n", -1)) {
                lineNo++;
                if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
                if (line.startsWith("#version") || line.isEmpty()) continue;
                String[] parts = line.split(" ", -1);
                if (parts.length != 2) throw TokenizerFormatException.of(mergesFile, "merges line " + lineNo + " is not \"a b\"");
                merges.add(parts);
            }
        } catch (IOException e) {
            throw TokenizerFormatException.of(mergesFile, "cannot read: " + e.getMessage());
        }
        JsonNode cfg = config(dir);
        boolean prefixSpace = cfg.path("add_prefix_space").asBoolean(false);
        Bpe model;
        try {
            model = new Bpe(vocab, merges, null, "", "", false, false, false, null);
        } catch (TokenizerFormatException e) {
            throw TokenizerFormatException.of(mergesFile, e.getMessage());
        }
        AddedVocabulary added = new AddedVocabulary();
        List<AddedToken> specials = new ArrayList<>();
        for (String key : List.of("unk_token", "bos_token", "eos_token", "pad_token")) {
            String t = token(cfg, key, key.equals("pad_token") ? null : "<|endoftext|>");
            if (t != null && specials.stream().noneMatch(a -> a.content().equals(t))) specials.add(new AddedToken(t, false, false, false, false, true));
        }
        added.add(specials, model, null);
        String pad = token(cfg, "pad_token", null);
        return new HfTokenizer(dir, null, new ByteLevel(prefixSpace, true), model, new ByteLevelProcessing(false, prefixSpace),
                new ByteLevelDecoder(), added, null, null, pad, cfg.path("clean_up_tokenization_spaces").asBoolean(false));
    }

    /** BERT: WordPiece from vocab.txt (one token per line, id = line number). */
    public static HfTokenizer bert(Path dir) {
        Path vocabFile = dir.resolve("vocab.txt");
        Map<String, Integer> vocab = new LinkedHashMap<>();
        try {
            String all = Files.readString(vocabFile, StandardCharsets.UTF_8);
            // Python's readlines() in text mode: universal newlines.
            String[] lines = all.split("\r\n|\r|\n", -1);
            int n = all.endsWith("\n") || all.endsWith("\r") ? lines.length - 1 : lines.length;
            for (int i = 0; i < n; i++) vocab.put(lines[i], i);
        } catch (IOException e) {
            throw TokenizerFormatException.of(vocabFile, "cannot read: " + e.getMessage());
        }
        if (vocab.isEmpty()) throw TokenizerFormatException.of(vocabFile, "empty vocabulary");
        JsonNode cfg = config(dir);
        boolean lower = cfg.path("do_lower_case").asBoolean(true);
        JsonNode sa = cfg.get("strip_accents");
        Boolean strip = sa == null || sa.isNull() ? null : sa.asBoolean();
        boolean chinese = cfg.path("tokenize_chinese_chars").asBoolean(true);
        String unk = token(cfg, "unk_token", "[UNK]"), sep = token(cfg, "sep_token", "[SEP]"), cls = token(cfg, "cls_token", "[CLS]"),
                pad = token(cfg, "pad_token", "[PAD]"), mask = token(cfg, "mask_token", "[MASK]");
        WordPiece model = new WordPiece(vocab, unk, "##", 100);
        Integer clsId = vocab.get(cls), sepId = vocab.get(sep);
        if (clsId == null || sepId == null) throw TokenizerFormatException.of(vocabFile, "the vocabulary has no " + (clsId == null ? cls : sep) + " token");
        Map<String, TemplateProcessing.SpecialToken> specials = new LinkedHashMap<>();
        specials.put(cls, new TemplateProcessing.SpecialToken(cls, new int[] {clsId}, new String[] {cls}));
        specials.put(sep, new TemplateProcessing.SpecialToken(sep, new int[] {sepId}, new String[] {sep}));
        var single = List.of(new TemplateProcessing.Piece(false, 0, cls, 0), new TemplateProcessing.Piece(true, 0, null, 0),
                new TemplateProcessing.Piece(false, 0, sep, 0));
        var pair = List.of(new TemplateProcessing.Piece(false, 0, cls, 0), new TemplateProcessing.Piece(true, 0, null, 0),
                new TemplateProcessing.Piece(false, 0, sep, 0), new TemplateProcessing.Piece(true, 1, null, 1),
                new TemplateProcessing.Piece(false, 0, sep, 1));
        BertNormalizer normalizer = new BertNormalizer(true, chinese, strip, lower);
        AddedVocabulary added = new AddedVocabulary();
        List<AddedToken> tokens = new ArrayList<>();
        for (String t : List.of(pad, unk, cls, sep, mask)) tokens.add(new AddedToken(t, false, false, false, false, true));
        added.add(tokens, model, normalizer);
        return new HfTokenizer(dir, normalizer, new BertPreTokenizer(), model, new TemplateProcessing(single, pair, specials),
                new WordPieceDecoder("##", true), added, null, null, pad, cfg.path("clean_up_tokenization_spaces").asBoolean(true));
    }
}
