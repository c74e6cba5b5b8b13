package dev.eve.models.tasks.nlvr;

import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.nn.F;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.data.NlvrData;
import dev.eve.models.data.image.ImageTransform;
import dev.eve.models.eve.EveModels;
import dev.eve.models.eve.heads.NlvrModel;
import dev.eve.models.tasks.EvalFiles;
import dev.eve.models.tasks.TaskImages;
import dev.eve.models.tasks.TextBatches;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.train.Trainer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** NLVR2 fine-tuning as the original NLVR_beit.py: cross-entropy over True/False plus the gate loss; accuracy. */
public final class NlvrTask implements Trainer.Task<NlvrModel, NlvrData.Example> {

    private final Tokenizer tokenizer;
    private final TaskImages images;
    private final ImageTransform transform;
    private final List<NlvrData.Example> train, test;
    private final int testBatch;
    private final double gateWeight;
    private final Path outputDir;

    public NlvrTask(Tokenizer tokenizer, TaskImages images, ImageTransform transform, List<NlvrData.Example> train,
                    List<NlvrData.Example> test, int testBatch, double gateWeight, Path outputDir) {
        this.tokenizer = tokenizer;
        this.images = images;
        this.transform = transform;
        this.train = train;
        this.test = test;
        this.testBatch = testBatch;
        this.gateWeight = gateWeight;
        this.outputDir = outputDir;
    }

    @Override
    public String name() {
        return "nlvr";
    }

    @Override
    public List<NlvrData.Example> trainExamples() {
        return train;
    }

    @Override
    public Tensor loss(NlvrModel model, List<NlvrData.Example> shard, long[] seeds, ProcessGroup group, Map<String, Double> logs) {
        List<Path> paths = new ArrayList<>();
        long[] pairSeeds = new long[2 * shard.size()];
        for (int i = 0; i < shard.size(); i++) {
            paths.add(shard.get(i).left());
            pairSeeds[i] = seeds[i];
        }
        for (int i = 0; i < shard.size(); i++) {
            paths.add(shard.get(i).right());
            pairSeeds[shard.size() + i] = ~seeds[i];
        }
        TaskImages.Loaded loaded = images.train(paths, pairSeeds, Collections.nCopies(paths.size(), transform));
        // Keep the pairs whose two images both decoded.
        boolean[] ok = new boolean[paths.size()];
        for (int k : loaded.kept()) ok[k] = true;
        List<Integer> pairs = new ArrayList<>();
        for (int i = 0; i < shard.size(); i++) if (ok[i] && ok[shard.size() + i]) pairs.add(i);
        int[] rowOf = new int[paths.size()];
        for (int r = 0; r < loaded.kept().length; r++) rowOf[loaded.kept()[r]] = r;
        long[] left = new long[pairs.size()], right = new long[pairs.size()], labels = new long[pairs.size()];
        List<String> texts = new ArrayList<>();
        for (int j = 0; j < pairs.size(); j++) {
            int i = pairs.get(j);
            left[j] = rowOf[i];
            right[j] = rowOf[shard.size() + i];
            labels[j] = shard.get(i).label();
            texts.add(shard.get(i).sentence());
        }
        model.backbone().collectGateLoss();
        Device device = EveModels.device(model);
        Tensor[] text = TextBatches.encode(tokenizer, texts, NlvrEvaluator.TEXT_LENGTH);
        Tensor imgs = loaded.images().to(device);
        Tensor logits = model.logits(imgs.indexSelect(0, Tensor.of(left).to(device)), imgs.indexSelect(0, Tensor.of(right).to(device)),
                text[0].to(device), text[1].to(device));
        Tensor ce = F.crossEntropy(logits, Tensor.of(labels).to(device));
        Tensor gate = model.backbone().takeGateLoss();
        logs.put("loss_nlvr", (double) ce.item());
        if (gate != null) logs.put("loss_gate", (double) gate.item() * gateWeight);
        logs.put("images_skipped", (double) images.skipped());
        return gate == null ? ce : ce.add(gate.mul(gateWeight));
    }

    @Override
    public Map<String, Object> evaluate(NlvrModel model, int epoch) {
        NlvrEvaluator.Result r = new NlvrEvaluator(model, tokenizer, images.evaluation(), testBatch).evaluate(test);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("acc", r.formatted());
        out.put("accuracy", r.accuracy());
        out.put("score", r.accuracy());
        EvalFiles.write(outputDir, "eval_nlvr.json", out);
        return out;
    }
}
