package dev.eve.models.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EveConfigTest {

    @Test
    void presetsAreTheReleasedConfigs() {
        EveConfig b = EveConfig.preset("base");
        assertEquals(768, b.hiddenSize());
        assertEquals(12, b.numLayers());
        assertEquals(12, b.numHeads());
        assertEquals(3072, b.intermediateSize());
        assertEquals(64000, b.vocabSize());
        assertEquals("quick_gelu", b.hiddenAct());
        assertEquals(List.of(10, 11), b.moeffnLayers());
        assertEquals(32, b.moe().numExperts());
        assertEquals(2, b.moe().topk());
        assertTrue(b.moe().typeRoute());
        assertEquals(0.1, b.dropPathRate());
        EveConfig l = EveConfig.preset("large");
        assertEquals(1024, l.hiddenSize());
        assertEquals(24, l.numLayers());
        assertEquals(List.of(21, 22, 23), l.moeffnLayers());
        assertEquals(197, b.numVisionTokens());
        assertEquals(577, b.withImageRes(384).numVisionTokens());
    }

    private static String error(Path dir, String json) throws IOException {
        Path f = dir.resolve("c.json");
        Files.writeString(f, json);
        var e = assertThrows(ConfigException.class, () -> EveConfig.load(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static final String BASE = "\"vision_width\": 64, \"patch_size\": 16, \"hidden_act\": \"quick_gelu\", "
            + "\"num_attention_heads\": 4, \"intermediate_size\": 128, \"num_hidden_layers\": 4, \"vocab_size\": 100, "
            + "\"moeffn_layers\": [2, 3], \"image_res\": 32";

    @Test
    void unknownAndContradictoryKeysAreClearErrors(@TempDir Path dir) throws IOException {
        assertTrue(error(dir, "{" + BASE + ", \"num_experts\": 8}").contains("unknown key num_experts"));
        assertTrue(error(dir, "{" + BASE + ", \"max_tokens\": 8, \"pairs\": {\"max_tokens\": 9}}").contains("contradictory"));
        assertTrue(error(dir, "{" + BASE.replace("[2, 3]", "[2, 4]") + "}").contains("names layer 4"));
        assertTrue(error(dir, "{" + BASE.replace("\"image_res\": 32", "\"image_res\": 40") + "}").contains("multiple of patch_size"));
        assertTrue(error(dir, "{" + BASE.replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 5") + "}").contains("multiple of num_attention_heads"));
        assertTrue(error(dir, "{" + BASE + ", \"moe_param\": {\"num_experts\": 8, \"topk\": 3}}").contains("topk must be 1 or 2"));
        assertTrue(error(dir, "{" + BASE + ", \"moe_param\": {\"experts\": 8}}").contains("unknown key experts"));
        assertTrue(error(dir, "{" + BASE.replace("\"quick_gelu\"", "\"swish\"") + "}").contains("hidden_act 'swish'"));
        assertTrue(error(dir, "{" + BASE.replace("\"vocab_size\": 100, ", "") + "}").contains("missing required key vocab_size"));
        assertTrue(error(dir, "{" + BASE.replace("\"patch_size\": 16", "\"patch_size\": \"16\"") + "}").contains("patch_size must be an integer"));
        assertTrue(error(dir, "{" + BASE + ", \"ffn_type\": \"dense\"}").contains("ffn_type"));
        assertTrue(error(dir, "{" + BASE + ", \"max_tokens\": 300}").contains("exceeds"));
        assertTrue(error(dir, "{ not json").contains("not valid JSON"));
    }

    @Test
    void taskConfigsMayReferToTheirModelConfig(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("model.json"), "{" + BASE.replace(", \"image_res\": 32", "") + "}");
        Path task = dir.resolve("task.json");
        Files.writeString(task, "{\"vlmo_config\": \"model.json\", \"image_res\": 64, \"max_tokens\": 12, \"batch_size_train\": 4}");
        EveConfig c = EveConfig.load(task);
        assertEquals(64, c.hiddenSize());
        assertEquals(64, c.imageRes());
        assertEquals(12, c.textLength());
        Path released = dir.resolve("released.json");
        Files.writeString(released, "{\"vlmo_config\": \"configs/config_vlmoB_base64k.json\", \"image_res\": 384}");
        assertEquals(768, EveConfig.load(released).hiddenSize(), "released config names resolve to the built-in presets");
    }
}
