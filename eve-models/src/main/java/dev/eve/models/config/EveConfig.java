package dev.eve.models.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything that shapes an EVE model: the original "vlmo" model config
 * ({@code config_vlmoB_base64k.json} format) plus the task settings the model code reads
 * (image resolution, text lengths, head options). Read it from the original JSON (or a task config
 * that names its {@code vlmo_config}), or take a built-in preset.
 */
public record EveConfig(
        int hiddenSize, int patchSize, String hiddenAct, int numHeads, double attentionDropout,
        int intermediateSize, int numLayers, boolean gradientCheckpointing, double dropPathRate,
        int vocabSize, int visionVocabSize, boolean relativePositionEmbed,
        String ffnType, List<Integer> vlffnLayers, List<Integer> moeffnLayers, MoeParams moe, double moeLossWeight,
        String singleFfnType, MoeParams singleFfnMoe,
        int imageRes, int textLength, int maxTextPositions,
        List<String> itcType, int itcProjDim, boolean biattn, int vqaVocab, double gateLossWeight,
        double initializerRange, double layerScaleInit) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Keys of the model ("vlmo") config. */
    static final Set<String> MODEL_KEYS = Set.of("vision_width", "patch_size", "hidden_act", "num_attention_heads",
            "attention_dropout", "intermediate_size", "num_hidden_layers", "gradient_checkpointing", "drop_path_rate",
            "vocab_size", "vision_vocab_size", "relative_position_embed", "ffn_type", "vlffn_layers", "moeffn_layers",
            "moe_param", "moe_lossweight", "single_ffn", "initializer_range", "layer_scale_init_values");

    /** Task keys the model reads. */
    static final Set<String> MODEL_TASK_KEYS = Set.of("image_res", "max_tokens", "pairs", "texts", "itc_type",
            "itc_proj_dim", "biattn", "vqa_vocab", "gateloss_weight", "vlmo_config");

    /** Task keys of the original fine-tuning configs that the model itself does not use. */
    static final Set<String> OTHER_TASK_KEYS = Set.of("train_file", "val_file", "test_file", "image_root", "vqa_root",
            "vg_root", "answer_list", "use_roberta", "text_encoder", "batch_size", "batch_size_train", "batch_size_test",
            "batch_size_test_text", "embed_dim", "temp", "k_test", "rerank", "optimizer", "schedular", "accelerator",
            "start_eval", "augmentation", "load_head", "eval_text_len", "max_words", "k", "num_workers", "seed",
            "epochs", "pretrained", "tokenizer", "image_norm");

    /** The original's weight init: trunc_normal_(std=0.02) (truncated at one standard deviation). */
    public static final double DEFAULT_INITIALIZER_RANGE = 0.02;
    /** The original's {@code layer_scale_init_values}: the residual branches start scaled by 0.1. */
    public static final double DEFAULT_LAYER_SCALE = 0.1;

    private static final Set<String> ACTIVATIONS = Set.of("gelu", "quick_gelu", "gelu_new", "gelu_tanh", "relu");

    public EveConfig {
        vlffnLayers = List.copyOf(vlffnLayers);
        moeffnLayers = List.copyOf(moeffnLayers);
        itcType = List.copyOf(itcType);
    }

    // ================================================================= derived sizes

    public int headDim() {
        return hiddenSize / numHeads;
    }

    public int gridSize() {
        return imageRes / patchSize;
    }

    /** Image patches per image. */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** Vision tokens: CLS plus patches. */
    public int numVisionTokens() {
        return numPatches() + 1;
    }

    /** The layers that get the config's FFN kind (MoE layers for ffn_type "moe", VL-FFN layers for "vl"). */
    public List<Integer> ffnLayers() {
        return ffnType.equals("moe") ? moeffnLayers : vlffnLayers;
    }

    public boolean isMoeLayer(int layer) {
        return ffnType.equals("moe") && moeffnLayers.contains(layer);
    }

    // ================================================================= variations

    public EveConfig withImageRes(int res) {
        return validate(new EveConfig(hiddenSize, patchSize, hiddenAct, numHeads, attentionDropout, intermediateSize, numLayers,
                gradientCheckpointing, dropPathRate, vocabSize, visionVocabSize, relativePositionEmbed, ffnType, vlffnLayers,
                moeffnLayers, moe, moeLossWeight, singleFfnType, singleFfnMoe, res, textLength, maxTextPositions, itcType,
                itcProjDim, biattn, vqaVocab, gateLossWeight, initializerRange, layerScaleInit), "config");
    }

    public EveConfig withTextLength(int length) {
        return validate(new EveConfig(hiddenSize, patchSize, hiddenAct, numHeads, attentionDropout, intermediateSize, numLayers,
                gradientCheckpointing, dropPathRate, vocabSize, visionVocabSize, relativePositionEmbed, ffnType, vlffnLayers,
                moeffnLayers, moe, moeLossWeight, singleFfnType, singleFfnMoe, imageRes, length, maxTextPositions, itcType,
                itcProjDim, biattn, vqaVocab, gateLossWeight, initializerRange, layerScaleInit), "config");
    }

    public EveConfig withMoe(MoeParams params) {
        return validate(new EveConfig(hiddenSize, patchSize, hiddenAct, numHeads, attentionDropout, intermediateSize, numLayers,
                gradientCheckpointing, dropPathRate, vocabSize, visionVocabSize, relativePositionEmbed, ffnType, vlffnLayers,
                moeffnLayers, params, moeLossWeight, singleFfnType, singleFfnMoe, imageRes, textLength, maxTextPositions, itcType,
                itcProjDim, biattn, vqaVocab, gateLossWeight, initializerRange, layerScaleInit), "config");
    }

    public EveConfig withDropPathRate(double rate) {
        return validate(new EveConfig(hiddenSize, patchSize, hiddenAct, numHeads, attentionDropout, intermediateSize, numLayers,
                gradientCheckpointing, rate, vocabSize, visionVocabSize, relativePositionEmbed, ffnType, vlffnLayers,
                moeffnLayers, moe, moeLossWeight, singleFfnType, singleFfnMoe, imageRes, textLength, maxTextPositions, itcType,
                itcProjDim, biattn, vqaVocab, gateLossWeight, initializerRange, layerScaleInit), "config");
    }

    public EveConfig withVqaVocab(int answers) {
        return validate(new EveConfig(hiddenSize, patchSize, hiddenAct, numHeads, attentionDropout, intermediateSize, numLayers,
                gradientCheckpointing, dropPathRate, vocabSize, visionVocabSize, relativePositionEmbed, ffnType, vlffnLayers,
                moeffnLayers, moe, moeLossWeight, singleFfnType, singleFfnMoe, imageRes, textLength, maxTextPositions, itcType,
                itcProjDim, biattn, answers, gateLossWeight, initializerRange, layerScaleInit), "config");
    }

    public EveConfig withGradientCheckpointing(boolean on) {
        return validate(new EveConfig(hiddenSize, patchSize, hiddenAct, numHeads, attentionDropout, intermediateSize, numLayers,
                on, dropPathRate, vocabSize, visionVocabSize, relativePositionEmbed, ffnType, vlffnLayers,
                moeffnLayers, moe, moeLossWeight, singleFfnType, singleFfnMoe, imageRes, textLength, maxTextPositions, itcType,
                itcProjDim, biattn, vqaVocab, gateLossWeight, initializerRange, layerScaleInit), "config");
    }

    // ================================================================= reading

    /** The released EVE-Base ({@code base}) or EVE-Large ({@code large}) model config with default task settings. */
    public static EveConfig preset(String name) {
        String file = switch (name.toLowerCase(Locale.ROOT)) {
            case "base", "eve-base", "b" -> "config_vlmoB_base64k.json";
            case "large", "eve-large", "l" -> "config_vlmoL_base64k.json";
            default -> throw new ConfigException("unknown preset '" + name + "' (known: base, large)");
        };
        try (InputStream in = EveConfig.class.getResourceAsStream(file)) {
            ObjectNode root = (ObjectNode) JSON.readTree(in);
            root.put("image_res", 224);
            return fromJson(root, "preset " + name, null);
        } catch (IOException e) {
            throw new ConfigException("cannot read built-in preset " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a model config, a merged model+task config, or a task config naming its {@code vlmo_config}. */
    public static EveConfig load(Path path) {
        JsonNode root = readJson(path);
        if (!root.isObject()) throw new ConfigException(path + ": expected a JSON object");
        return fromJson((ObjectNode) root, path.toString(), path.toAbsolutePath().getParent());
    }

    private static JsonNode readJson(Path path) {
        try {
            String text = readText(path);
            if (path.toString().endsWith(".yaml") || path.toString().endsWith(".yml"))
                throw new ConfigException(path + ": YAML task configs are read by the task runner; give the model config JSON here");
            return JSON.readTree(text);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(path + ": no such file");
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage().split("\n")[0];
            throw new ConfigException(path + ": not valid JSON: " + m, e);
        }
    }

    /** Configs are a few kilobytes; a larger "config" (or a device such as /dev/zero) is refused before it is read. */
    static final long MAX_CONFIG_BYTES = 16L << 20;

    /** The text of a config file: a regular file of at most {@link #MAX_CONFIG_BYTES}, read as UTF-8. */
    static String readText(Path path) throws IOException {
        if (Files.exists(path) && !Files.isRegularFile(path))
            throw new ConfigException(path + ": not a regular file");
        if (Files.isRegularFile(path) && Files.size(path) > MAX_CONFIG_BYTES)
            throw new ConfigException(path + ": " + Files.size(path) + " bytes is too large for a config (limit " + MAX_CONFIG_BYTES + ")");
        return Files.readString(path);
    }

    /** Builds a config from a JSON object; {@code source} names it in errors; {@code dir} resolves vlmo_config. */
    public static EveConfig fromJson(ObjectNode root, String source, Path dir) {
        ObjectNode merged = root.deepCopy();
        if (root.has("vlmo_config") && !root.has("vision_width")) {
            String ref = root.get("vlmo_config").asText();
            Path p;
            try {
                p = dir == null ? Path.of(ref) : dir.resolve(ref);
            } catch (java.nio.file.InvalidPathException e) {
                throw new ConfigException(source + ": vlmo_config '" + ref + "' is not a file path (" + e.getReason() + ")");
            }
            ObjectNode model;
            if (Files.exists(p)) {
                JsonNode m;
                try {
                    m = readJson(p);
                } catch (ConfigException e) {
                    throw new ConfigException(source + ": vlmo_config: " + e.getMessage(), e);
                }
                if (!m.isObject()) throw new ConfigException(source + ": vlmo_config: " + p + ": expected a JSON object");
                model = (ObjectNode) m;
            } else if (ref.contains("vlmoB")) {
                model = (ObjectNode) preset("base").toModelJson();
            } else if (ref.contains("vlmoL")) {
                model = (ObjectNode) preset("large").toModelJson();
            } else {
                throw new ConfigException(source + ": vlmo_config '" + ref + "' not found (looked at " + p + ")");
            }
            model.fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
        }
        Set<String> unknown = new TreeSet<>();
        merged.fieldNames().forEachRemaining(k -> {
            if (!MODEL_KEYS.contains(k) && !MODEL_TASK_KEYS.contains(k) && !OTHER_TASK_KEYS.contains(k)) unknown.add(k);
        });
        if (!unknown.isEmpty())
            throw new ConfigException(source + ": unknown key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " (model keys: " + String.join(", ", new TreeSet<>(MODEL_KEYS)) + ")");
        Reader r = new Reader(merged, source);
        int hidden = r.requiredInt("vision_width");
        String ffnType = r.string("ffn_type", "moe");
        JsonNode moeNode = merged.get("moe_param");
        MoeParams moe = moeParams(r, moeNode, "moe_param", 8, 2, false);
        String singleType = "vl";
        MoeParams singleMoe = MoeParams.of(2, 1, true);
        JsonNode single = merged.get("single_ffn");
        if (single != null && !single.isNull()) {
            if (single.isBoolean()) {
                singleType = single.asBoolean() ? "single" : "vl";
            } else if (single.isObject()) {
                singleType = new Reader((ObjectNode) single, source + " single_ffn").string("type", "vl");
                singleMoe = moeParams(r, single.get("moe_param"), "single_ffn.moe_param", 2, 1, true);
            } else {
                throw new ConfigException(source + ": single_ffn must be an object like {\"type\": \"vl\"}");
            }
        }
        int textLength = r.nestedInt("pairs", "max_tokens", -1);
        int maxTokens = r.integer("max_tokens", -1);
        if (textLength >= 0 && maxTokens >= 0 && textLength != maxTokens)
            throw new ConfigException(source + ": contradictory text lengths: max_tokens=" + maxTokens + " but pairs.max_tokens="
                    + textLength + " (the vl mode splits vision and text tokens by pairs.max_tokens)");
        if (textLength < 0) textLength = maxTokens >= 0 ? maxTokens : 40;
        List<String> itc = new ArrayList<>();
        JsonNode itcNode = merged.get("itc_type");
        if (itcNode == null) {
            itc.addAll(List.of("vl", "fusion"));
        } else if (itcNode.isArray()) {
            itcNode.forEach(n -> itc.add(n.asText()));
        } else {
            itc.add(itcNode.asText());
        }
        return validate(new EveConfig(hidden, r.requiredInt("patch_size"), r.requiredString("hidden_act"),
                r.requiredInt("num_attention_heads"), r.dbl("attention_dropout", 0.0), r.requiredInt("intermediate_size"),
                r.requiredInt("num_hidden_layers"), r.bool("gradient_checkpointing", false), r.dbl("drop_path_rate", 0.0),
                r.requiredInt("vocab_size"), r.integer("vision_vocab_size", 8192), r.bool("relative_position_embed", false),
                ffnType, r.intList("vlffn_layers", List.of(10, 11)), r.intList("moeffn_layers", List.of(7, 9, 11)), moe,
                r.dbl("moe_lossweight", 0.001), singleType, singleMoe,
                r.integer("image_res", 224), textLength, r.nestedInt("texts", "max_tokens", 196),
                itc, r.integer("itc_proj_dim", hidden), r.bool("biattn", false), r.integer("vqa_vocab", 3128),
                r.dbl("gateloss_weight", 0.001), r.dbl("initializer_range", DEFAULT_INITIALIZER_RANGE),
                r.dbl("layer_scale_init_values", DEFAULT_LAYER_SCALE)), source);
    }

    private static MoeParams moeParams(Reader parent, JsonNode node, String where, int experts, int topk, boolean typeRoute) {
        if (node == null || node.isNull()) return MoeParams.of(experts, topk, typeRoute);
        if (!node.isObject()) throw new ConfigException(parent.source + ": " + where + " must be an object");
        Reader r = new Reader((ObjectNode) node, parent.source + " " + where);
        r.only(Set.of("num_experts", "topk", "type_route", "capacity_factor", "eval_capacity_factor", "min_capacity"));
        try {
            MoeParams p = MoeParams.of(r.integer("num_experts", experts), r.integer("topk", topk), r.bool("type_route", typeRoute));
            return new MoeParams(p.numExperts(), p.topk(), p.typeRoute(), r.dbl("capacity_factor", 1.0),
                    r.dbl("eval_capacity_factor", 1.0), r.integer("min_capacity", 4), false, p.noise());
        } catch (ConfigException e) {
            throw new ConfigException(parent.source + ": " + e.getMessage());
        }
    }

    /** Checks a config for impossible or contradictory settings; returns it. The factories call this. */
    public static EveConfig validate(EveConfig c, String source) {
        String s = source + ": ";
        if (c.hiddenSize <= 0 || c.numHeads <= 0 || c.hiddenSize % c.numHeads != 0)
            throw new ConfigException(s + "vision_width " + c.hiddenSize + " must be a positive multiple of num_attention_heads " + c.numHeads);
        if (c.patchSize <= 0) throw new ConfigException(s + "patch_size must be positive, got " + c.patchSize);
        if (c.imageRes <= 0 || c.imageRes % c.patchSize != 0)
            throw new ConfigException(s + "image_res " + c.imageRes + " must be a positive multiple of patch_size " + c.patchSize);
        if (c.intermediateSize <= 0 || c.numLayers <= 0 || c.vocabSize <= 0)
            throw new ConfigException(s + "intermediate_size, num_hidden_layers and vocab_size must be positive");
        if (!ACTIVATIONS.contains(c.hiddenAct))
            throw new ConfigException(s + "hidden_act '" + c.hiddenAct + "' is not supported (known: " + String.join(", ", new TreeSet<>(ACTIVATIONS)) + ")");
        if (!c.ffnType.equals("moe") && !c.ffnType.equals("vl"))
            throw new ConfigException(s + "ffn_type must be 'moe' or 'vl', got '" + c.ffnType + "'");
        if (!Set.of("vl", "single", "moe").contains(c.singleFfnType))
            throw new ConfigException(s + "single_ffn.type must be 'vl', 'single' or 'moe', got '" + c.singleFfnType + "'");
        // Only the list the ffn_type uses matters (the original ignores the other).
        String key = c.ffnType.equals("moe") ? "moeffn_layers" : "vlffn_layers";
        for (int l : c.ffnLayers())
            if (l < 0 || l >= c.numLayers)
                throw new ConfigException(s + key + " names layer " + l + " but the model has " + c.numLayers + " layers (0-based)");
        if (!(c.dropPathRate >= 0 && c.dropPathRate < 1)) throw new ConfigException(s + "drop_path_rate must be in [0, 1)");
        if (!(c.initializerRange > 0 && c.initializerRange <= 1))
            throw new ConfigException(s + "initializer_range must be in (0, 1], got " + c.initializerRange);
        if (!(c.layerScaleInit > 0 && c.layerScaleInit <= 10))
            throw new ConfigException(s + "layer_scale_init_values must be in (0, 10], got " + c.layerScaleInit);
        if (c.textLength <= 0) throw new ConfigException(s + "text length (pairs.max_tokens) must be positive");
        if (!c.relativePositionEmbed && c.textLength > c.maxTextPositions)
            throw new ConfigException(s + "text length " + c.textLength + " exceeds the " + c.maxTextPositions
                    + " text positions (texts.max_tokens)");
        for (String t : c.itcType)
            if (!t.equals("vl") && !t.equals("fusion")) throw new ConfigException(s + "itc_type entries must be 'vl' or 'fusion', got '" + t + "'");
        if (c.vqaVocab <= 0) throw new ConfigException(s + "vqa_vocab must be positive");
        return c;
    }

    /** The model part as the original JSON (for presets and saving next to checkpoints). */
    public JsonNode toModelJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("vision_width", hiddenSize);
        n.put("patch_size", patchSize);
        n.put("hidden_act", hiddenAct);
        n.put("num_attention_heads", numHeads);
        n.put("attention_dropout", attentionDropout);
        n.put("intermediate_size", intermediateSize);
        n.put("num_hidden_layers", numLayers);
        n.put("gradient_checkpointing", gradientCheckpointing);
        n.put("drop_path_rate", dropPathRate);
        n.put("vocab_size", vocabSize);
        n.put("vision_vocab_size", visionVocabSize);
        n.put("relative_position_embed", relativePositionEmbed);
        n.put("ffn_type", ffnType);
        vlffnLayers.forEach(n.putArray("vlffn_layers")::add);
        moeffnLayers.forEach(n.putArray("moeffn_layers")::add);
        ObjectNode mp = n.putObject("moe_param");
        mp.put("num_experts", moe.numExperts());
        mp.put("topk", moe.topk());
        mp.put("type_route", moe.typeRoute());
        n.put("moe_lossweight", moeLossWeight);
        if (!singleFfnType.equals("vl")) n.putObject("single_ffn").put("type", singleFfnType);
        // Written only when they differ from the original's, so exported configs stay the original's format.
        if (initializerRange != DEFAULT_INITIALIZER_RANGE) n.put("initializer_range", initializerRange);
        if (layerScaleInit != DEFAULT_LAYER_SCALE) n.put("layer_scale_init_values", layerScaleInit);
        return n;
    }

    /** Typed access to a JSON object with errors that name the key. */
    private static final class Reader {
        final ObjectNode node;
        final String source;

        Reader(ObjectNode node, String source) {
            this.node = node;
            this.source = source;
        }

        void only(Set<String> allowed) {
            Set<String> unknown = new TreeSet<>();
            node.fieldNames().forEachRemaining(k -> {
                if (!allowed.contains(k)) unknown.add(k);
            });
            if (!unknown.isEmpty())
                throw new ConfigException(source + ": unknown key " + String.join(", ", unknown)
                        + " (known: " + String.join(", ", new TreeSet<>(allowed)) + ")");
        }

        private JsonNode get(String key) {
            JsonNode v = node.get(key);
            return v == null || v.isNull() ? null : v;
        }

        int requiredInt(String key) {
            if (get(key) == null) throw new ConfigException(source + ": missing required key " + key);
            return integer(key, 0);
        }

        String requiredString(String key) {
            if (get(key) == null) throw new ConfigException(source + ": missing required key " + key);
            return string(key, "");
        }

        int integer(String key, int def) {
            JsonNode v = get(key);
            if (v == null) return def;
            if (!v.isIntegralNumber() || !v.canConvertToInt())
                throw new ConfigException(source + ": " + key + " must be an integer, got " + v);
            return v.asInt();
        }

        double dbl(String key, double def) {
            JsonNode v = get(key);
            if (v == null) return def;
            if (!v.isNumber()) throw new ConfigException(source + ": " + key + " must be a number, got " + v);
            return v.asDouble();
        }

        boolean bool(String key, boolean def) {
            JsonNode v = get(key);
            if (v == null) return def;
            if (!v.isBoolean()) throw new ConfigException(source + ": " + key + " must be true or false, got " + v);
            return v.asBoolean();
        }

        String string(String key, String def) {
            JsonNode v = get(key);
            if (v == null) return def;
            if (!v.isTextual()) throw new ConfigException(source + ": " + key + " must be a string, got " + v);
            return v.asText();
        }

        List<Integer> intList(String key, List<Integer> def) {
            JsonNode v = get(key);
            if (v == null) return def;
            if (!v.isArray()) throw new ConfigException(source + ": " + key + " must be a list of integers, got " + v);
            List<Integer> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isIntegralNumber()) throw new ConfigException(source + ": " + key + " must be a list of integers, got " + v);
                out.add(e.asInt());
            }
            return out;
        }

        int nestedInt(String key, String inner, int def) {
            JsonNode v = get(key);
            if (v == null) return def;
            if (!v.isObject()) throw new ConfigException(source + ": " + key + " must be an object like {\"" + inner + "\": ...}");
            return new Reader((ObjectNode) v, source + " " + key).integer(inner, def);
        }
    }

    /** For tests and tools: the known keys. */
    public static Map<String, Set<String>> knownKeys() {
        return Map.of("model", MODEL_KEYS, "task (model)", MODEL_TASK_KEYS, "task (other)", OTHER_TASK_KEYS);
    }
}
