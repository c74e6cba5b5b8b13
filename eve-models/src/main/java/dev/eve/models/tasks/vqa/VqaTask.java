package dev.eve.models.tasks.vqa;

import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.nn.F;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.data.VqaData;
import dev.eve.models.data.image.HorizontalFlip;
import dev.eve.models.data.image.ImageTransform;
import dev.eve.models.eve.EveModels;
import dev.eve.models.eve.heads.VqaModel;
import dev.eve.models.tasks.EvalFiles;
import dev.eve.models.tasks.TaskImages;
import dev.eve.models.tasks.TextBatches;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.train.Trainer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * VQA fine-tuning as the original VQA.py: the classifier's BCE with soft targets times the number of
 * answers, plus the gate loss; a horizontal flip with probability 0.5 unless the question or an
 * answer mentions left or right; evaluation writes the result file (and the VQA accuracy where the
 * answers are known).
 */
public final class VqaTask implements Trainer.Task<VqaModel, VqaData.Question> {

    private final Tokenizer tokenizer;
    private final TaskImages images;
    private final ImageTransform transform;
    private final List<VqaData.Question> train, test;
    private final VqaData.AnswerList answers;
    private final Map<Long, List<String>> testAnswers;
    private final int textLength, classes, testBatch;
    private final double gateWeight;
    private final Path outputDir;

    public VqaTask(Tokenizer tokenizer, TaskImages images, ImageTransform transform, List<VqaData.Question> train,
                   List<VqaData.Question> test, Map<Long, List<String>> testAnswers, VqaData.AnswerList answers,
                   int textLength, int classes, int testBatch, double gateWeight, Path outputDir) {
        this.tokenizer = tokenizer;
        this.images = images;
        this.transform = transform;
        this.train = train;
        this.test = test;
        this.testAnswers = testAnswers;
        this.answers = answers;
        this.textLength = textLength;
        this.classes = classes;
        this.testBatch = testBatch;
        this.gateWeight = gateWeight;
        this.outputDir = outputDir;
    }

    @Override
    public String name() {
        return "vqa";
    }

    @Override
    public List<VqaData.Question> trainExamples() {
        return train;
    }

    /**
     * The careful flip of the original dataset (flip with probability 0.5 unless left/right is
     * mentioned), drawn from the example's own generator, then the transform.
     */
    private ImageTransform withFlip(boolean noFlip) {
        return (image, gen) -> {
            boolean doFlip = gen.nextDouble() < 0.5 && !noFlip;
            return transform.apply(doFlip ? HorizontalFlip.flip(image) : image, gen);
        };
    }

    @Override
    public Tensor loss(VqaModel model, List<VqaData.Question> shard, long[] seeds, ProcessGroup group, Map<String, Double> logs) {
        List<Path> paths = new ArrayList<>();
        List<ImageTransform> transforms = new ArrayList<>();
        for (VqaData.Question q : shard) {
            paths.add(q.image());
            transforms.add(withFlip(q.noFlip()));
        }
        TaskImages.Loaded loaded = images.train(paths, seeds, transforms);
        int b = loaded.kept().length;
        List<String> texts = new ArrayList<>();
        float[] targets = new float[b * classes];
        for (int i = 0; i < b; i++) {
            VqaData.Question q = shard.get(loaded.kept()[i]);
            texts.add(q.question());
            System.arraycopy(VqaData.targets(q, answers, classes), 0, targets, i * classes, classes);
        }
        model.backbone().collectGateLoss();
        Device device = EveModels.device(model);
        Tensor[] text = TextBatches.encode(tokenizer, texts, textLength);
        Tensor imgs = loaded.images() == null ? null : loaded.images().to(device);
        Tensor logits = model.logits(imgs, text[0].to(device), text[1].to(device));
        Tensor vqa = F.binaryCrossEntropyWithLogits(logits, Tensor.of(targets, b, classes).to(device)).mul(classes);
        Tensor gate = model.backbone().takeGateLoss();
        logs.put("loss_vqa", (double) vqa.item());
        if (gate != null) logs.put("loss_gate", (double) gate.item() * gateWeight);
        logs.put("images_skipped", (double) images.skipped());
        return gate == null ? vqa : vqa.add(gate.mul(gateWeight));
    }

    @Override
    public Map<String, Object> evaluate(VqaModel model, int epoch) {
        List<VqaEvaluator.Answer> result = new VqaEvaluator(model, tokenizer, images.evaluation(), textLength, testBatch).answer(test, answers);
        Map<String, Object> out = new LinkedHashMap<>();
        Path file = outputDir == null ? null : VqaResults.write(outputDir.resolve("result"), "vqa_eval", result);
        if (file != null) out.put("result_file", file.toString());
        double acc = testAnswers.isEmpty() ? Double.NaN : VqaResults.accuracy(result, testAnswers);
        out.put("vqa_accuracy", acc);
        out.put("score", acc);
        EvalFiles.write(outputDir, "eval_vqa.json", out);
        return out;
    }
}
