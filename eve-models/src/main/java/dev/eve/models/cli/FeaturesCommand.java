package dev.eve.models.cli;

import dev.eve.core.io.SafeTensors;
import dev.eve.core.nn.LoadReport;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.MoeParams;
import dev.eve.models.eve.EveCheckpoint;
import dev.eve.models.eve.EveModels;
import dev.eve.models.eve.FeatureExtractor;
import dev.eve.models.eve.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code eve features}: runs a checkpoint in eval mode and writes every intermediate as safetensors. */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Run an EVE checkpoint on inputs (image, image2, text_ids, text_atts in a safetensors file) in eval mode "
                + "and write embeddings, every layer, MoE routing and the task head's outputs.")
final class FeaturesCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "Model config JSON (the original vlmo format, with task keys).")
    Path config;

    @Option(names = "--checkpoint", required = true, description = "Checkpoint (.pth or .safetensors, with or without the 'model' wrapper).")
    Path checkpoint;

    @Option(names = "--inputs", required = true, description = "Inputs: image [B,3,R,R], image2 (NLVR2), text_ids and text_atts [B,L].")
    Path inputs;

    @Option(names = "--out", required = true, description = "Output safetensors file (written atomically).")
    Path out;

    @Option(names = "--task", description = "retrieval, vqa or nlvr (default: detected from the checkpoint's heads).")
    String task;

    @Option(names = "--dropless", description = "Route without capacity limits (nothing dropped).")
    boolean dropless;

    @Option(names = "--debug", description = "Show stack traces on errors.")
    boolean debug;

    @Override
    public Integer call() {
        EveConfig c = EveConfig.load(config);
        MoeParams moe = c.moe().withNoise(MoeParams.GumbelNoise.NEVER).withDropless(dropless);
        c = c.withMoe(moe);
        Map<String, Tensor> state = EveCheckpoint.read(checkpoint, c);
        Task t = task != null ? Task.parse(task) : Task.detect(state);
        if (t == null) throw new IllegalArgumentException(checkpoint + ": no retrieval, VQA or NLVR2 head found; pass --task");
        Module model = EveModels.build(c, t, null);   // the checkpoint sets every parameter
        LoadReport report = EveCheckpoint.apply(model, state, checkpoint, true);
        Map<String, Tensor> in = SafeTensors.load(inputs);
        Map<String, Tensor> features = FeatureExtractor.forFile(new FeatureExtractor(model).run(in));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("task", t.key());
        meta.put("checkpoint", checkpoint.toString());
        meta.put("format", "eve-features");
        SafeTensors.save(out, features, meta);
        System.err.printf("eve features: %s model, %d tensors written to %s%s%n", t.key(), features.size(), out,
                report.isClean() ? "" : " (" + report.summary() + ")");
        return 0;
    }
}
