package dev.eve.models.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A task config in the original's YAML format ({@code configs/Retrieval_coco_ft.yaml} and friends):
 * data files, image roots, the model config it names, batch sizes, optimizer and schedule. Relative
 * paths resolve against the YAML's folder. Numbers written YAML-1.1 style ({@code 3e-5}) are read as
 * numbers.
 */
public final class TaskConfig {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode root;
    private final String source;
    private final Path dir;

    private TaskConfig(ObjectNode root, String source, Path dir) {
        this.root = root;
        this.source = source;
        this.dir = dir;
    }

    public static TaskConfig load(Path file) {
        JsonNode node;
        try {
            String text = EveConfig.readText(file);
            node = file.toString().endsWith(".json") ? JSON.readTree(text) : YAML.readTree(text);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage().split("\n")[0];
            throw new ConfigException(file + ": not a valid YAML task config: " + m, e);
        }
        if (node == null || node.isNull()) node = JsonNodeFactory.instance.objectNode();
        if (!node.isObject()) throw new ConfigException(file + ": a task config must be a mapping of keys");
        return new TaskConfig((ObjectNode) node, file.toString(), file.toAbsolutePath().getParent());
    }

    /** A config built in code; relative paths resolve against {@code dir}. */
    public static TaskConfig of(Map<String, ?> values, Path dir) {
        return new TaskConfig(JSON.valueToTree(values), "config", dir);
    }

    public String source() {
        return source;
    }

    public Path dir() {
        return dir;
    }

    public boolean has(String key) {
        JsonNode v = root.get(key);
        return v != null && !v.isNull();
    }

    /** A copy with {@code key} set (command-line overrides); null removes it. */
    public TaskConfig with(String key, Object value) {
        ObjectNode copy = root.deepCopy();
        if (value == null) copy.remove(key);
        else copy.set(key, JSON.valueToTree(value));
        return new TaskConfig(copy, source, dir);
    }

    public JsonNode node(String key) {
        return root.get(key);
    }

    private ConfigException error(String key, String what) {
        return new ConfigException(source + ": " + key + " " + what);
    }

    public String string(String key, String def) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) return def;
        if (!v.isValueNode()) throw error(key, "must be a string, got " + v);
        return v.asText();
    }

    public String requiredString(String key) {
        String s = string(key, null);
        if (s == null) throw new ConfigException(source + ": missing required key " + key);
        return s;
    }

    public int integer(String key, int def) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) return def;
        double d = number(v, key);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw error(key, "must be an integer, got " + v);
        return (int) d;
    }

    public int requiredInt(String key) {
        if (!has(key)) throw new ConfigException(source + ": missing required key " + key);
        return integer(key, 0);
    }

    public double number(String key, double def) {
        JsonNode v = root.get(key);
        return v == null || v.isNull() ? def : number(v, key);
    }

    private double number(JsonNode v, String key) {
        if (v.isNumber()) return v.asDouble();
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText().trim());
            } catch (NumberFormatException e) {
                throw error(key, "must be a number, got '" + v.asText() + "'");
            }
        }
        throw error(key, "must be a number, got " + v);
    }

    public boolean bool(String key, boolean def) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) return def;
        if (v.isBoolean()) return v.asBoolean();
        if (v.isTextual() && (v.asText().equalsIgnoreCase("true") || v.asText().equalsIgnoreCase("false")))
            return Boolean.parseBoolean(v.asText());
        throw error(key, "must be true or false, got " + v);
    }

    /** A nested mapping ({@code optimizer}, {@code schedular}, {@code accelerator}) as a sub-config. */
    public TaskConfig section(String key) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) return new TaskConfig(JsonNodeFactory.instance.objectNode(), source + " " + key, dir);
        if (!v.isObject()) throw error(key, "must be a mapping, got " + v);
        return new TaskConfig((ObjectNode) v, source + " " + key, dir);
    }

    /** A path key resolved against the config's folder, or null. */
    public Path path(String key) {
        String s = string(key, null);
        return s == null ? null : resolve(s);
    }

    /** A key holding one path or a list of paths, resolved. */
    public List<Path> paths(String key) {
        JsonNode v = root.get(key);
        List<Path> out = new ArrayList<>();
        if (v == null || v.isNull()) return out;
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isTextual()) throw error(key, "must list file paths, got " + e);
                out.add(resolve(e.asText()));
            }
        } else if (v.isTextual()) {
            out.add(resolve(v.asText()));
        } else {
            throw error(key, "must be a file path or a list of them, got " + v);
        }
        return out;
    }

    public Path resolve(String p) {
        Path path;
        try {
            path = Path.of(p);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ConfigException(source + ": '" + p + "' is not a file path (" + e.getReason() + ")");
        }
        return path.isAbsolute() || dir == null ? path : dir.resolve(path).normalize();
    }

    /**
     * The model config: architecture keys from the vlmo config the YAML names, task keys
     * (image_res, max_tokens, pairs, texts, itc_type, itc_proj_dim, biattn, vqa_vocab,
     * gateloss_weight) from the YAML itself, as the original reads them.
     */
    public EveConfig modelConfig() {
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        String ref = requiredString("vlmo_config");
        Path modelFile = resolve(ref);
        ObjectNode model;
        if (Files.exists(modelFile)) {
            try {
                JsonNode m = JSON.readTree(EveConfig.readText(modelFile));
                if (!m.isObject()) throw new ConfigException(source + ": vlmo_config: " + modelFile + ": expected a JSON object");
                model = (ObjectNode) m;
            } catch (IOException e) {
                throw new ConfigException(source + ": vlmo_config: " + modelFile + ": not valid JSON: " + String.valueOf(e.getMessage()).split("\n")[0], e);
            } catch (ConfigException e) {
                if (e.getMessage().startsWith(source + ": ")) throw e;
                throw new ConfigException(source + ": vlmo_config: " + e.getMessage(), e);
            }
        } else if (ref.contains("vlmoB") || ref.equalsIgnoreCase("base")) {
            model = (ObjectNode) EveConfig.preset("base").toModelJson();
        } else if (ref.contains("vlmoL") || ref.equalsIgnoreCase("large")) {
            model = (ObjectNode) EveConfig.preset("large").toModelJson();
        } else {
            throw new ConfigException(source + ": vlmo_config '" + ref + "' not found (looked at " + modelFile + ")");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = model.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (EveConfig.MODEL_KEYS.contains(e.getKey())) merged.set(e.getKey(), e.getValue());
            else if (!EveConfig.MODEL_TASK_KEYS.contains(e.getKey()) && !EveConfig.OTHER_TASK_KEYS.contains(e.getKey())
                    && !e.getKey().equals("vqa_vocab"))
                throw new ConfigException(source + ": vlmo_config: " + modelFile + ": unknown key " + e.getKey());
        }
        for (String k : EveConfig.MODEL_TASK_KEYS) {
            if (k.equals("vlmo_config")) continue;
            JsonNode v = root.get(k);
            if (v == null || v.isNull()) continue;
            if ((k.equals("image_res") || k.equals("max_tokens") || k.equals("itc_proj_dim") || k.equals("vqa_vocab"))
                    && !v.isIntegralNumber()) {
                merged.put(k, integer(k, 0));
            } else if (k.equals("gateloss_weight") && !v.isNumber()) {
                merged.put(k, number(k, 0));
            } else {
                merged.set(k, v);
            }
        }
        return EveConfig.fromJson(merged, source, dir);
    }
}
