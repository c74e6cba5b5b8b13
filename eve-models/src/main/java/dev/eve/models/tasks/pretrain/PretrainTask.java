package dev.eve.models.tasks.pretrain;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.PretrainConfig;
import dev.eve.models.data.PretrainData;
import dev.eve.models.data.image.ImageTransform;
import dev.eve.models.data.masking.ImageMask;
import dev.eve.models.data.masking.TextMask;
import dev.eve.models.eve.EveModels;
import dev.eve.models.eve.heads.PretrainModel;
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

/**
 * Masked-signal-modeling pre-training on image-text pairs: each example's image mask, text mask and
 * augmentation come from its own seed, so data-parallel shards and resumed runs mask exactly what an
 * uninterrupted single-replica run would. Evaluation (when held-out pairs are given) is the loss on
 * them with masks fixed by their index, so epochs are comparable; its score is minus that loss.
 */
public final class PretrainTask implements Trainer.Task<PretrainModel, PretrainData.Pair> {

    /** Pieces tried, in order, when the config names no mask token. */
    static final List<String> MASK_PIECES = List.of("[MASK]", "<mask>", "[mask]", "<MASK>");

    private final Tokenizer tokenizer;
    private final TaskImages images;
    private final ImageTransform transform;
    private final List<PretrainData.Pair> train, heldOut;
    private final int textLength, maskId;
    private final PretrainConfig config;
    private final int evalBatch;
    private final Path outputDir;

    public PretrainTask(Tokenizer tokenizer, TaskImages images, ImageTransform transform, List<PretrainData.Pair> train,
                        List<PretrainData.Pair> heldOut, int textLength, PretrainConfig config, int evalBatch, Path outputDir) {
        this.tokenizer = tokenizer;
        this.images = images;
        this.transform = transform;
        this.train = train;
        this.heldOut = heldOut == null ? List.of() : heldOut;
        this.textLength = textLength;
        this.config = config;
        this.maskId = maskTokenId(tokenizer, config.maskToken());
        this.evalBatch = evalBatch;
        this.outputDir = outputDir;
    }

    /** The id of the configured mask piece, or of the first known mask piece in the vocabulary. */
    public static int maskTokenId(Tokenizer tokenizer, String piece) {
        if (piece != null) {
            int id = tokenizer.pieceToId(piece);
            if (id < 0) throw new IllegalArgumentException("mask_token '" + piece + "' is not in the vocabulary of " + tokenizer.describe());
            return id;
        }
        for (String p : MASK_PIECES) {
            int id = tokenizer.pieceToId(p);
            if (id >= 0) return id;
        }
        throw new IllegalArgumentException(tokenizer.describe() + " has no mask token (" + String.join(", ", MASK_PIECES)
                + "); name one with mask_token in the task config");
    }

    @Override
    public String name() {
        return "pretrain";
    }

    @Override
    public List<PretrainData.Pair> trainExamples() {
        return train;
    }

    @Override
    public Tensor loss(PretrainModel model, List<PretrainData.Pair> shard, long[] seeds, ProcessGroup group, Map<String, Double> logs) {
        List<Path> paths = new ArrayList<>();
        for (PretrainData.Pair p : shard) paths.add(p.image());
        TaskImages.Loaded loaded = images.train(paths, seeds, Collections.nCopies(paths.size(), transform));
        int[] kept = loaded.kept();
        logs.put("images_skipped", (double) images.skipped());
        if (kept.length == 0)                          // every image unreadable: nothing to learn from this shard
            return model.mlmHead().parameter("bias").sum().mul(0.0);
        List<String> texts = new ArrayList<>();
        long[] keptSeeds = new long[kept.length];
        for (int i = 0; i < kept.length; i++) {
            texts.add(shard.get(kept[i]).caption());
            keptSeeds[i] = seeds[kept[i]];
        }
        PretrainModel.Output out = forward(model, loaded.images(), texts, keptSeeds);
        logs.put("loss_mim", (double) out.mim().item());
        logs.put("loss_mlm", (double) out.mlm().item());
        if (out.gate() != null) logs.put("loss_gate", (double) out.gate().item() * model.config().gateLossWeight());
        return out.loss();
    }

    /** Masks the batch from the example seeds and runs the model (on its device). */
    PretrainModel.Output forward(PretrainModel model, Tensor imgs, List<String> texts, long[] seeds) {
        int patches = model.config().numVisionTokens() - 1;
        long[] imageSeeds = new long[seeds.length], textSeeds = new long[seeds.length];
        for (int i = 0; i < seeds.length; i++) {
            imageSeeds[i] = Trainer.seed(seeds[i], 0x1A6E);
            textSeeds[i] = Trainer.seed(seeds[i], 0x7E27);
        }
        ImageMask imageMask = ImageMask.sample(patches, config.imageMaskRatio(), imageSeeds);
        TextBatches.Arrays text = TextBatches.encodeArrays(tokenizer, texts, textLength);
        TextMask textMask = TextMask.apply(text.ids(), text.mask(), text.special(), textLength, config.textMaskRatio(), maskId,
                config.randomReplace(), model.config().vocabSize(), textSeeds);
        Device device = EveModels.device(model);
        return model.forward(imgs.to(device), imageMask.to(device), textMask.to(device), text.maskTensor().to(device));
    }

    @Override
    public Map<String, Object> evaluate(PretrainModel model, int epoch) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (heldOut.isEmpty()) return out;
        double mim = 0, mlm = 0;
        int n = 0;
        Generator noise = new Generator(0x5EED);
        try (var ignored = NoGrad.enter(); var scope = Generator.use(noise)) {
            for (int start = 0; start < heldOut.size(); start += evalBatch) {
                List<PretrainData.Pair> batch = heldOut.subList(start, Math.min(heldOut.size(), start + evalBatch));
                List<Path> paths = new ArrayList<>();
                for (PretrainData.Pair p : batch) paths.add(p.image());
                Tensor imgs = images.evaluation().batch(paths);
                List<String> texts = new ArrayList<>();
                long[] seeds = new long[batch.size()];
                for (int i = 0; i < batch.size(); i++) {
                    texts.add(batch.get(i).caption());
                    seeds[i] = Trainer.seed(0xE7A1, start + i);
                }
                PretrainModel.Output o = forward(model, imgs, texts, seeds);
                mim += o.mim().item() * batch.size();
                mlm += o.mlm().item() * batch.size();
                n += batch.size();
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        out.put("loss_mim", mim / n);
        out.put("loss_mlm", mlm / n);
        out.put("loss", (mim + mlm) / n);
        out.put("score", -(mim + mlm) / n);
        EvalFiles.write(outputDir, "eval_pretrain.json", out);
        return out;
    }
}
