package dev.eve.models.text.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.models.text.TokenizerException;
import dev.eve.models.text.TokenizerFormatException;
import dev.eve.models.text.hf.core.Pattern;
import dev.eve.models.text.hf.core.SplitBehavior;
import dev.eve.models.text.hf.decoders.ByteLevelDecoder;
import dev.eve.models.text.hf.decoders.Decoder;
import dev.eve.models.text.hf.decoders.MetaspaceDecoder;
import dev.eve.models.text.hf.decoders.SimpleDecoders;
import dev.eve.models.text.hf.decoders.WordPieceDecoder;
import dev.eve.models.text.hf.models.Bpe;
import dev.eve.models.text.hf.models.Model;
import dev.eve.models.text.hf.models.Unigram;
import dev.eve.models.text.hf.models.WordLevel;
import dev.eve.models.text.hf.models.WordPiece;
import dev.eve.models.text.hf.normalizers.BertNormalizer;
import dev.eve.models.text.hf.normalizers.ByteLevelNormalizer;
import dev.eve.models.text.hf.normalizers.Lowercase;
import dev.eve.models.text.hf.normalizers.Nmt;
import dev.eve.models.text.hf.normalizers.Normalizer;
import dev.eve.models.text.hf.normalizers.Precompiled;
import dev.eve.models.text.hf.normalizers.Prepend;
import dev.eve.models.text.hf.normalizers.Replace;
import dev.eve.models.text.hf.normalizers.SequenceNormalizer;
import dev.eve.models.text.hf.normalizers.Strip;
import dev.eve.models.text.hf.normalizers.StripAccents;
import dev.eve.models.text.hf.normalizers.UnicodeNormalizer;
import dev.eve.models.text.hf.pretokenizers.BertPreTokenizer;
import dev.eve.models.text.hf.pretokenizers.ByteLevel;
import dev.eve.models.text.hf.pretokenizers.Metaspace;
import dev.eve.models.text.hf.pretokenizers.PatternSplit;
import dev.eve.models.text.hf.pretokenizers.PreTokenizer;
import dev.eve.models.text.hf.pretokenizers.SequencePreTokenizer;
import dev.eve.models.text.hf.processors.BertProcessing;
import dev.eve.models.text.hf.processors.ByteLevelProcessing;
import dev.eve.models.text.hf.processors.PostProcessor;
import dev.eve.models.text.hf.processors.SequenceProcessor;
import dev.eve.models.text.hf.processors.TemplateProcessing;
import dev.eve.models.text.util.CharsMap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} into an {@link HfTokenizer}. Every component is chosen by its
 * {@code type}; an unknown type or a missing or malformed field is a {@link TokenizerFormatException} that
 * names the file, the component and the field.
 */
final class TokenizerJson {

    private final Path file;

    private TokenizerJson(Path file) {
        this.file = file;
    }

    static ObjectMapper mapper() {
        ObjectMapper m = new ObjectMapper();
        m.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(200).build());
        return m;
    }

    static HfTokenizer load(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw TokenizerFormatException.of(file, "cannot read: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = mapper().readTree(data);
        } catch (JsonProcessingException e) {
            throw TokenizerFormatException.of(file, "not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw TokenizerFormatException.of(file, "cannot read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw TokenizerFormatException.of(file, "not a tokenizer.json (no JSON object)");
        Config config = Config.read(file.toAbsolutePath().getParent());
        return new TokenizerJson(file).build(root, config);
    }

    /** What tokenizer_config.json contributes (pad token, decode clean-up). */
    record Config(String padToken, boolean cleanUp, Map<String, Object> raw) {

        static Config read(Path dir) {
            if (dir == null) return new Config(null, false, Map.of());
            Path cfg = dir.resolve("tokenizer_config.json");
            String pad = null;
            boolean cleanUp = false;
            if (Files.isRegularFile(cfg)) {
                try {
                    JsonNode n = mapper().readTree(cfg.toFile());
                    pad = tokenString(n.get("pad_token"));
                    JsonNode c = n.get("clean_up_tokenization_spaces");
                    cleanUp = c != null && c.asBoolean(false);
                } catch (IOException e) {
                    throw TokenizerFormatException.of(cfg, "not valid JSON (" + e.getMessage() + ")");
                }
            }
            Path map = dir.resolve("special_tokens_map.json");
            if (pad == null && Files.isRegularFile(map)) {
                try {
                    pad = tokenString(mapper().readTree(map.toFile()).get("pad_token"));
                } catch (IOException e) {
                    throw TokenizerFormatException.of(map, "not valid JSON (" + e.getMessage() + ")");
                }
            }
            return new Config(pad, cleanUp, Map.of());
        }

        static String tokenString(JsonNode n) {
            if (n == null || n.isNull()) return null;
            if (n.isTextual()) return n.asText();
            if (n.isObject() && n.has("content")) return n.get("content").asText();
            return null;
        }
    }

    private TokenizerFormatException bad(String what) {
        return TokenizerFormatException.of(file, what);
    }

    private HfTokenizer build(JsonNode root, Config config) {
        JsonNode version = root.get("version");
        if (version != null && !version.isNull() && !"1.0".equals(version.asText())) {
            throw bad("unsupported tokenizer version \"" + version.asText() + "\" (supported: 1.0)");
        }
        JsonNode modelNode = root.get("model");
        if (modelNode == null || modelNode.isNull()) throw bad("missing \"model\"");
        Model model = model(modelNode);
        Normalizer normalizer = normalizer(root.get("normalizer"), "normalizer");
        PreTokenizer pre = preTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
        PostProcessor post = postProcessor(root.get("post_processor"), "post_processor");
        Decoder decoder = decoder(root.get("decoder"), "decoder");
        AddedVocabulary added = new AddedVocabulary();
        JsonNode at = root.get("added_tokens");
        if (at != null && !at.isNull()) {
            if (!at.isArray()) throw bad("\"added_tokens\" must be an array");
            List<AddedToken> tokens = new ArrayList<>();
            for (JsonNode t : at) {
                String content = text(t, "content", "added_tokens");
                tokens.add(new AddedToken(content, bool(t, "single_word", false), bool(t, "lstrip", false), bool(t, "rstrip", false),
                        bool(t, "normalized", !bool(t, "special", false)), bool(t, "special", false)));
            }
            try {
                added.add(tokens, model, normalizer);   // normalizes the tokens with the file's normalizer
            } catch (TokenizerFormatException e) {
                throw e;
            } catch (TokenizerException e) {
                throw bad("\"added_tokens\": the normalizer fails on them (" + e.getMessage() + ")");
            }
        }
        HfTokenizer.Truncation trunc = truncation(root.get("truncation"));
        HfTokenizer.Padding padding = padding(root.get("padding"));
        return new HfTokenizer(file, normalizer, pre, model, post, decoder, added, trunc, padding, config.padToken(), config.cleanUp());
    }

    // ---------------------------------------------------------------- helpers

    private String type(JsonNode n, String where) {
        if (!n.isObject()) throw bad(where + " must be an object");
        JsonNode t = n.get("type");
        if (t == null || !t.isTextual()) throw bad(where + " has no \"type\"");
        return t.asText();
    }

    private String text(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) throw bad(where + ": missing or non-string field \"" + field + "\"");
        return v.asText();
    }

    private static String optText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static boolean bool(JsonNode n, String field, boolean dflt) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? dflt : v.asBoolean(dflt);
    }

    private int integer(JsonNode n, String field, int dflt, String where) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.canConvertToInt()) throw bad(where + ": field \"" + field + "\" must be an integer");
        return v.asInt();
    }

    private int singleChar(JsonNode n, String field, String where, int dflt) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return dflt;
        String s = v.asText();
        if (s.codePointCount(0, s.length()) != 1) throw bad(where + ": \"" + field + "\" must be a single character");
        return s.codePointAt(0);
    }

    /** A {"String": ...} or {"Regex": ...} pattern. */
    private Pattern pattern(JsonNode n, String where) {
        JsonNode p = n.get("pattern");
        if (p == null || !p.isObject()) throw bad(where + ": missing \"pattern\"");
        if (p.has("String")) return Pattern.literal(p.get("String").asText());
        if (p.has("Regex")) {
            String re = p.get("Regex").asText();
            try {
                return Pattern.regex(Pattern.compileOniguruma(re));
            } catch (java.util.regex.PatternSyntaxException e) {
                throw bad(where + ": unsupported regex " + re + " (" + e.getDescription() + ")");
            }
        }
        throw bad(where + ": pattern must be {\"String\": ...} or {\"Regex\": ...}");
    }

    // ---------------------------------------------------------------- normalizers

    private Normalizer normalizer(JsonNode n, String where) {
        if (n == null || n.isNull()) return null;
        String type = type(n, where);
        String at = where + " " + type;
        return switch (type) {
            case "Sequence" -> {
                JsonNode list = n.get("normalizers");
                if (list == null || !list.isArray()) throw bad(at + ": missing \"normalizers\"");
                List<Normalizer> out = new ArrayList<>();
                int i = 0;
                for (JsonNode c : list) out.add(normalizer(c, where + ".normalizers[" + i++ + "]"));
                yield new SequenceNormalizer(out);
            }
            case "NFC" -> new UnicodeNormalizer(Form.NFC);
            case "NFD" -> new UnicodeNormalizer(Form.NFD);
            case "NFKC" -> new UnicodeNormalizer(Form.NFKC);
            case "NFKD" -> new UnicodeNormalizer(Form.NFKD);
            case "Lowercase" -> new Lowercase();
            case "StripAccents" -> new StripAccents();
            case "Nmt" -> new Nmt();
            case "Strip" -> new Strip(bool(n, "strip_left", false), bool(n, "strip_right", false));
            case "Prepend" -> new Prepend(text(n, "prepend", at));
            case "Replace" -> new Replace(pattern(n, at), text(n, "content", at));
            case "BertNormalizer" -> {
                JsonNode sa = n.get("strip_accents");
                Boolean strip = sa == null || sa.isNull() ? null : sa.asBoolean();
                yield new BertNormalizer(bool(n, "clean_text", true), bool(n, "handle_chinese_chars", true), strip, bool(n, "lowercase", true));
            }
            case "Precompiled" -> {
                String b64 = text(n, "precompiled_charsmap", at);
                byte[] blob;
                try {
                    blob = Base64.getDecoder().decode(b64);
                } catch (IllegalArgumentException e) {
                    throw bad(at + ": precompiled_charsmap is not valid base64");
                }
                try {
                    yield new Precompiled(CharsMap.parse(blob));
                } catch (IllegalArgumentException e) {
                    throw bad(at + ": " + e.getMessage());
                }
            }
            case "ByteLevel" -> new ByteLevelNormalizer();
            default -> throw bad("unsupported normalizer type \"" + type + "\" (" + where + ")");
        };
    }

    // ---------------------------------------------------------------- pre-tokenizers

    private PreTokenizer preTokenizer(JsonNode n, String where) {
        if (n == null || n.isNull()) return null;
        String type = type(n, where);
        String at = where + " " + type;
        return switch (type) {
            case "Sequence" -> {
                JsonNode list = n.get("pretokenizers");
                if (list == null || !list.isArray()) throw bad(at + ": missing \"pretokenizers\"");
                List<PreTokenizer> out = new ArrayList<>();
                int i = 0;
                for (JsonNode c : list) out.add(preTokenizer(c, where + ".pretokenizers[" + i++ + "]"));
                yield new SequencePreTokenizer(out);
            }
            case "ByteLevel" -> new ByteLevel(bool(n, "add_prefix_space", true), bool(n, "use_regex", true));
            case "Metaspace" -> {
                String scheme = optText(n, "prepend_scheme");
                if (scheme == null) scheme = "always";
                if (!scheme.equals("always") && !scheme.equals("first") && !scheme.equals("never"))
                    throw bad(at + ": unsupported prepend_scheme \"" + scheme + "\"");
                JsonNode aps = n.get("add_prefix_space");
                if (aps != null && !aps.isNull() && !aps.asBoolean()) {
                    if (!scheme.equals("never") && n.has("prepend_scheme"))
                        throw bad(at + ": add_prefix_space does not match declared prepend_scheme");
                    scheme = "never";
                }
                yield new Metaspace(singleChar(n, "replacement", at, 0x2581), scheme, bool(n, "split", true));
            }
            case "Whitespace" -> PatternSplit.whitespace();
            case "WhitespaceSplit" -> PatternSplit.whitespaceSplit();
            case "BertPreTokenizer" -> new BertPreTokenizer();
            case "Punctuation" -> PatternSplit.punctuation(behavior(n, at, SplitBehavior.ISOLATED));
            case "Digits" -> PatternSplit.digits(bool(n, "individual_digits", false));
            case "CharDelimiterSplit" -> PatternSplit.charDelimiter(singleChar(n, "delimiter", at, -1));
            case "Split" -> {
                Pattern p = pattern(n, at);
                SplitBehavior b = behavior(n, at, null);
                if (b == null) throw bad(at + ": missing \"behavior\"");
                if (bool(n, "invert", false)) p = Pattern.invert(p);
                yield new PatternSplit(p, b);
            }
            default -> throw bad("unsupported pre_tokenizer type \"" + type + "\" (" + where + ")");
        };
    }

    private SplitBehavior behavior(JsonNode n, String at, SplitBehavior dflt) {
        JsonNode b = n.get("behavior");
        if (b == null || b.isNull()) return dflt;
        try {
            return SplitBehavior.parse(b.asText());
        } catch (IllegalArgumentException e) {
            throw bad(at + ": unsupported behavior \"" + b.asText() + "\"");
        }
    }

    // ---------------------------------------------------------------- models

    private Map<String, Integer> vocabMap(JsonNode v, String at) {
        if (v == null || !v.isObject()) throw bad(at + ": \"vocab\" must be an object of token -> id");
        Map<String, Integer> m = new HashMap<>(v.size() * 2);
        for (var e : v.properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) throw bad(at + ": id of \"" + e.getKey() + "\" is not a non-negative integer");
            m.put(e.getKey(), e.getValue().asInt());
        }
        return m;
    }

    private Model model(JsonNode n) {
        String type;
        if (n.has("type")) {
            type = type(n, "model");
        } else if (n.has("merges")) {
            type = "BPE";
        } else if (n.has("vocab") && n.get("vocab").isArray()) {
            type = "Unigram";
        } else if (n.has("continuing_subword_prefix") || n.has("max_input_chars_per_word")) {
            type = "WordPiece";
        } else {
            throw bad("model has no \"type\"");
        }
        String at = "model " + type;
        return switch (type) {
            case "BPE" -> {
                Map<String, Integer> vocab = vocabMap(n.get("vocab"), at);
                JsonNode mj = n.get("merges");
                if (mj == null || !mj.isArray()) throw bad(at + ": missing \"merges\"");
                List<String[]> merges = new ArrayList<>(mj.size());
                int line = 0;
                for (JsonNode m : mj) {
                    line++;
                    if (m.isTextual()) {
                        String[] parts = m.asText().split(" ", -1);
                        if (parts.length != 2) throw bad(at + ": merges entry " + line + " is not \"a b\"");
                        merges.add(parts);
                    } else if (m.isArray() && m.size() == 2) {
                        merges.add(new String[] {m.get(0).asText(), m.get(1).asText()});
                    } else {
                        throw bad(at + ": merges entry " + line + " is neither \"a b\" nor [a, b]");
                    }
                }
                JsonNode d = n.get("dropout");
                Float dropout = d == null || d.isNull() ? null : (float) d.asDouble();
                try {
                    yield new Bpe(vocab, merges, optText(n, "unk_token"), optText(n, "continuing_subword_prefix"),
                            optText(n, "end_of_word_suffix"), bool(n, "fuse_unk", false), bool(n, "byte_fallback", false),
                            bool(n, "ignore_merges", false), dropout);
                } catch (TokenizerFormatException e) {
                    throw bad(at + ": " + e.getMessage());
                }
            }
            case "WordPiece" -> new WordPiece(vocabMap(n.get("vocab"), at), text(n, "unk_token", at),
                    n.has("continuing_subword_prefix") ? text(n, "continuing_subword_prefix", at) : "##",
                    integer(n, "max_input_chars_per_word", 100, at));
            case "WordLevel" -> new WordLevel(vocabMap(n.get("vocab"), at), text(n, "unk_token", at));
            case "Unigram" -> {
                JsonNode v = n.get("vocab");
                if (v == null || !v.isArray()) throw bad(at + ": \"vocab\" must be an array of [piece, score]");
                List<String> pieces = new ArrayList<>(v.size());
                List<Double> scores = new ArrayList<>(v.size());
                for (JsonNode e : v) {
                    if (!e.isArray() || e.size() != 2 || !e.get(0).isTextual() || !e.get(1).isNumber())
                        throw bad(at + ": vocab entry " + pieces.size() + " is not [piece, score]");
                    pieces.add(e.get(0).asText());
                    scores.add(e.get(1).asDouble());
                }
                JsonNode u = n.get("unk_id");
                Integer unk = u == null || u.isNull() ? null : u.asInt();
                try {
                    yield new Unigram(pieces, scores, unk, bool(n, "byte_fallback", false));
                } catch (TokenizerFormatException e) {
                    throw bad(at + ": " + e.getMessage());
                }
            }
            default -> throw bad("unsupported model type \"" + type + "\" (supported: BPE, WordPiece, WordLevel, Unigram)");
        };
    }

    // ---------------------------------------------------------------- post-processors

    private PostProcessor postProcessor(JsonNode n, String where) {
        if (n == null || n.isNull()) return null;
        String type = type(n, where);
        String at = where + " " + type;
        return switch (type) {
            case "TemplateProcessing" -> template(n, at);
            case "BertProcessing", "RobertaProcessing" -> {
                JsonNode sep = n.get("sep"), cls = n.get("cls");
                if (sep == null || !sep.isArray() || sep.size() != 2 || cls == null || !cls.isArray() || cls.size() != 2)
                    throw bad(at + ": \"sep\" and \"cls\" must be [token, id]");
                boolean roberta = type.equals("RobertaProcessing");
                yield new BertProcessing(sep.get(0).asText(), sep.get(1).asInt(), cls.get(0).asText(), cls.get(1).asInt(), roberta,
                        roberta && bool(n, "trim_offsets", true), roberta && bool(n, "add_prefix_space", true));
            }
            case "ByteLevel" -> new ByteLevelProcessing(bool(n, "trim_offsets", true), bool(n, "add_prefix_space", true));
            case "Sequence" -> {
                JsonNode list = n.get("processors");
                if (list == null || !list.isArray()) throw bad(at + ": missing \"processors\"");
                List<PostProcessor> out = new ArrayList<>();
                int i = 0;
                for (JsonNode c : list) out.add(postProcessor(c, where + ".processors[" + i++ + "]"));
                yield new SequenceProcessor(out);
            }
            default -> throw bad("unsupported post_processor type \"" + type + "\" (" + where + ")");
        };
    }

    private PostProcessor template(JsonNode n, String at) {
        Map<String, TemplateProcessing.SpecialToken> specials = new LinkedHashMap<>();
        JsonNode st = n.get("special_tokens");
        if (st != null && st.isObject()) {
            for (var e : st.properties()) {
                JsonNode v = e.getValue();
                JsonNode ids = v.get("ids"), toks = v.get("tokens");
                if (ids == null || toks == null || !ids.isArray() || !toks.isArray() || ids.size() != toks.size())
                    throw bad(at + ": special token \"" + e.getKey() + "\" needs ids and tokens of the same length");
                int[] idArr = new int[ids.size()];
                String[] tokArr = new String[toks.size()];
                for (int i = 0; i < idArr.length; i++) {
                    idArr[i] = ids.get(i).asInt();
                    tokArr[i] = toks.get(i).asText();
                }
                String id = v.has("id") ? v.get("id").asText() : e.getKey();
                specials.put(id, new TemplateProcessing.SpecialToken(id, idArr, tokArr));
            }
        }
        List<TemplateProcessing.Piece> single = templatePieces(n.get("single"), at + ".single", "$0");
        List<TemplateProcessing.Piece> pair = templatePieces(n.get("pair"), at + ".pair", "$A:0 $B:1");
        for (List<TemplateProcessing.Piece> t : List.of(single, pair)) {
            for (TemplateProcessing.Piece p : t) {
                if (!p.sequence() && !specials.containsKey(p.special()))
                    throw bad(at + ": missing SpecialToken(s) with id(s) `" + p.special() + "`");
            }
        }
        return new TemplateProcessing(single, pair, specials);
    }

    private List<TemplateProcessing.Piece> templatePieces(JsonNode n, String at, String dflt) {
        List<TemplateProcessing.Piece> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            for (String s : dflt.split(" ")) out.add(pieceFromString(s, at));
            return out;
        }
        if (n.isTextual()) {
            for (String s : n.asText().split(" ")) out.add(pieceFromString(s, at));
            return out;
        }
        if (!n.isArray()) throw bad(at + " must be a list of pieces");
        for (JsonNode p : n) {
            if (p.isTextual()) {
                out.add(pieceFromString(p.asText(), at));
            } else if (p.has("Sequence")) {
                JsonNode s = p.get("Sequence");
                String id = s.path("id").asText("A");
                out.add(new TemplateProcessing.Piece(true, id.equals("B") ? 1 : 0, null, s.path("type_id").asInt(0)));
            } else if (p.has("SpecialToken")) {
                JsonNode s = p.get("SpecialToken");
                out.add(new TemplateProcessing.Piece(false, 0, s.path("id").asText(), s.path("type_id").asInt(0)));
            } else {
                throw bad(at + ": unsupported template piece " + p);
            }
        }
        return out;
    }

    private TemplateProcessing.Piece pieceFromString(String s, String at) {
        String[] parts = s.split(":", -1);
        if (parts.length > 2) throw bad(at + ": cannot build piece from \"" + s + "\"");
        int type = 0;
        if (parts.length == 2) {
            try {
                type = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw bad(at + ": cannot build piece from \"" + s + "\"");
            }
        }
        String id = parts[0];
        if (id.startsWith("$")) {
            String rest = id.substring(1);
            switch (rest) {
                case "", "A", "a" -> {
                    return new TemplateProcessing.Piece(true, 0, null, type);
                }
                case "B", "b" -> {
                    return new TemplateProcessing.Piece(true, 1, null, type);
                }
                default -> {
                    try {
                        int t = Integer.parseInt(rest);
                        return new TemplateProcessing.Piece(true, 0, null, parts.length == 2 ? type : t);
                    } catch (NumberFormatException e) {
                        throw bad(at + ": cannot build piece from \"" + s + "\"");
                    }
                }
            }
        }
        return new TemplateProcessing.Piece(false, 0, id, type);
    }

    // ---------------------------------------------------------------- decoders

    private Decoder decoder(JsonNode n, String where) {
        if (n == null || n.isNull()) return null;
        String type = type(n, where);
        String at = where + " " + type;
        return switch (type) {
            case "ByteLevel" -> new ByteLevelDecoder();
            case "WordPiece" -> new WordPieceDecoder(n.has("prefix") ? text(n, "prefix", at) : "##", bool(n, "cleanup", true));
            case "Metaspace" -> {
                String scheme = optText(n, "prepend_scheme");
                if (scheme == null) scheme = "always";
                JsonNode aps = n.get("add_prefix_space");
                if (aps != null && !aps.isNull() && !aps.asBoolean()) scheme = "never";
                yield new MetaspaceDecoder(singleChar(n, "replacement", at, 0x2581), scheme);
            }
            case "BPEDecoder" -> new SimpleDecoders.BpeDecoder(n.has("suffix") ? text(n, "suffix", at) : "</w>");
            case "ByteFallback" -> new SimpleDecoders.ByteFallback();
            case "Fuse" -> new SimpleDecoders.Fuse();
            case "Strip" -> new SimpleDecoders.Strip(singleChar(n, "content", at, ' '), integer(n, "start", 0, at), integer(n, "stop", 0, at));
            case "Replace" -> new SimpleDecoders.Replace(pattern(n, at), text(n, "content", at));
            case "CTC" -> new SimpleDecoders.Ctc(n.has("pad_token") ? text(n, "pad_token", at) : "<pad>",
                    n.has("word_delimiter_token") ? text(n, "word_delimiter_token", at) : "|", bool(n, "cleanup", true));
            case "Sequence" -> {
                JsonNode list = n.get("decoders");
                if (list == null || !list.isArray()) throw bad(at + ": missing \"decoders\"");
                List<Decoder> out = new ArrayList<>();
                int i = 0;
                for (JsonNode c : list) out.add(decoder(c, where + ".decoders[" + i++ + "]"));
                yield new SimpleDecoders.Sequence(out);
            }
            default -> throw bad("unsupported decoder type \"" + type + "\" (" + where + ")");
        };
    }

    // ---------------------------------------------------------------- truncation and padding

    private HfTokenizer.Truncation truncation(JsonNode n) {
        if (n == null || n.isNull()) return null;
        int max = integer(n, "max_length", 512, "truncation");
        boolean left = "Left".equalsIgnoreCase(optText(n, "direction"));
        String strategy = switch (String.valueOf(optText(n, "strategy"))) {
            case "LongestFirst", "null" -> "longest_first";
            case "OnlyFirst" -> "only_first";
            case "OnlySecond" -> "only_second";
            default -> throw bad("truncation: unsupported strategy \"" + optText(n, "strategy") + "\"");
        };
        return new HfTokenizer.Truncation(max, left, strategy, integer(n, "stride", 0, "truncation"));
    }

    private HfTokenizer.Padding padding(JsonNode n) {
        if (n == null || n.isNull()) return null;
        JsonNode s = n.get("strategy");
        int fixed = 0;
        if (s != null && s.isObject() && s.has("Fixed")) fixed = s.get("Fixed").asInt();
        else if (s != null && !s.isNull() && !"BatchLongest".equals(s.asText())) throw bad("padding: unsupported strategy " + s);
        boolean left = "Left".equalsIgnoreCase(optText(n, "direction"));
        String tok = optText(n, "pad_token");
        int multiple = integer(n, "pad_to_multiple_of", 0, "padding");
        // Every encoding is padded to this length: refuse lengths no model has before they are allocated.
        if (fixed < 0 || fixed > MAX_PADDED_LENGTH || multiple < 0 || multiple > MAX_PADDED_LENGTH)
            throw bad("padding: length " + (fixed < 0 || fixed > MAX_PADDED_LENGTH ? fixed : multiple) + " is out of range (0 to "
                    + MAX_PADDED_LENGTH + ")");
        return new HfTokenizer.Padding(fixed, left, multiple, integer(n, "pad_id", 0, "padding"),
                integer(n, "pad_type_id", 0, "padding"), tok == null ? "[PAD]" : tok);
    }

    /** Longest fixed padding (and pad_to_multiple_of) accepted: far beyond any model's context. */
    static final int MAX_PADDED_LENGTH = 1 << 20;
}
