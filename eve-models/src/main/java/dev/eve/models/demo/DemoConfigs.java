package dev.eve.models.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.eve.core.io.AtomicFiles;
import dev.eve.models.data.synthetic.SyntheticExport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The demo's task configs: the exported YAMLs of the synthetic data set with the demo's settings on
 * top, written next to them (their relative paths resolve against that folder).
 *
 * <p>The demo trains without random crops, flips or colour changes ({@code augmentation: resize}):
 * the synthetic texts name positions, sizes and colours that those augmentations would falsify. The
 * pixel decoder is as light as the model (one block, width 64). A model this small trains at higher
 * learning rates than the original's recipes: 2e-3 for pre-training (at 5e-4 its 1,440 steps leave
 * the masked words at the loss of a model that ignores the image, 1.9 nats; at 2e-3 they reach 0.6),
 * 1e-3 for NLVR2 and 5e-4 for the other tasks. Half the patches are masked, not 0.75: with 2 x 2
 * patches a quarter would leave one patch visible, and the masked words could rarely be read off the
 * image. To fit the demo's minutes, retrieval ranks by the contrastive similarity alone ({@code k_test:
 * 0}: ITM re-ranking of 256 images would cost more than the VQA stage) and NLVR2 uses the plain
 * concatenation head ({@code biattn: false}), both options of the original scripts.
 */
public record DemoConfigs(Path pretrain, Path retrieval, Path vqa, Path nlvr) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Per-stage settings of the demo; {@code overrides} (dotted keys allowed, e.g. "optimizer.lr") apply to every stage. */
    public static DemoConfigs write(SyntheticExport.Layout data, Map<String, Object> overrides) {
        Map<String, Object> common = new LinkedHashMap<>();
        common.put("augmentation", "resize");
        common.put("optimizer.lr", 5e-4);
        common.put("schedular.lr", 5e-4);
        Map<String, Object> retrieval = new LinkedHashMap<>(common);
        retrieval.put("rerank", false);
        retrieval.put("k_test", 0);
        Map<String, Object> nlvr = new LinkedHashMap<>(common);
        nlvr.put("biattn", false);
        nlvr.put("optimizer.lr", 1e-3);
        nlvr.put("schedular.lr", 1e-3);
        Map<String, Object> pretrain = new LinkedHashMap<>(common);
        pretrain.put("optimizer.lr", 2e-3);
        pretrain.put("schedular.lr", 2e-3);
        pretrain.put("mask_ratio_image", 0.5);
        pretrain.put("mim_decoder_depth", 1);
        pretrain.put("mim_decoder_width", 64);
        pretrain.put("mim_decoder_heads", 4);
        return new DemoConfigs(
                derive(data.pretrainYaml(), "demo_pretrain.yaml", pretrain, overrides),
                derive(data.retrievalYaml(), "demo_retrieval.yaml", retrieval, overrides),
                derive(data.vqaYaml(), "demo_vqa.yaml", common, overrides),
                derive(data.nlvrYaml(), "demo_nlvr.yaml", nlvr, overrides));
    }

    private static Path derive(Path yaml, String name, Map<String, Object> stage, Map<String, Object> overrides) {
        try {
            ObjectNode root = (ObjectNode) YAML.readTree(yaml.toFile());
            for (Map.Entry<String, Object> e : stage.entrySet()) set(root, e.getKey(), e.getValue());
            for (Map.Entry<String, Object> e : overrides.entrySet()) set(root, e.getKey(), e.getValue());
            Path out = yaml.resolveSibling(name);
            AtomicFiles.write(out, YAML.writeValueAsBytes(root));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot derive the demo config from " + yaml + ": " + e.getMessage(), e);
        }
    }

    private static void set(ObjectNode root, String dotted, Object value) {
        String[] parts = dotted.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            node = node.get(parts[i]) instanceof ObjectNode child ? child : node.putObject(parts[i]);
        }
        node.set(parts[parts.length - 1], YAML.valueToTree(value));
    }
}
