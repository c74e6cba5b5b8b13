package dev.eve.models.tasks.retrieval;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.nn.F;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.data.RetrievalData;
import dev.eve.models.data.image.ImageTransform;
import dev.eve.models.eve.EveModels;
import dev.eve.models.eve.Mode;
import dev.eve.models.eve.heads.RetrievalModel;
import dev.eve.models.tasks.TaskImages;
import dev.eve.models.tasks.TextBatches;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.train.Collectives;
import dev.eve.models.train.Trainer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Image-text retrieval fine-tuning as the original Retrieval.py: ITC over the features of all
 * replicas with image-id-aware soft labels and the clamped temperature, ITM with one hard negative
 * image per text and one hard negative text per image sampled from the ITC similarities, plus the
 * gate loss; evaluation by recall, re-ranked with ITM on the last epoch (or every epoch with
 * {@code rerank: True}).
 */
public final class RetrievalTask implements Trainer.Task<RetrievalModel, RetrievalData.Pair> {

    /** Evaluation settings: the original's batch sizes and k_test. */
    public record EvalSettings(int imageBatch, int textBatch, int kTest, boolean rerankEveryEpoch) {}

    private final String name;
    private final Tokenizer tokenizer;
    private final TaskImages images;
    private final ImageTransform transform;
    private final List<RetrievalData.Pair> train;
    private final RetrievalData.EvalSet test;
    private final int textLength, epochs;
    private final double gateWeight;
    private final EvalSettings eval;
    private final Path outputDir;

    public RetrievalTask(String name, Tokenizer tokenizer, TaskImages images, ImageTransform transform, List<RetrievalData.Pair> train,
                         RetrievalData.EvalSet test, int textLength, double gateWeight, EvalSettings eval, int epochs, Path outputDir) {
        this.name = name;
        this.tokenizer = tokenizer;
        this.images = images;
        this.transform = transform;
        this.train = train;
        this.test = test;
        this.textLength = textLength;
        this.gateWeight = gateWeight;
        this.eval = eval;
        this.epochs = epochs;
        this.outputDir = outputDir;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<RetrievalData.Pair> trainExamples() {
        return train;
    }

    @Override
    public Tensor loss(RetrievalModel model, List<RetrievalData.Pair> shard, long[] seeds, ProcessGroup group, Map<String, Double> logs) {
        List<Path> paths = new ArrayList<>();
        for (RetrievalData.Pair p : shard) paths.add(p.image());
        TaskImages.Loaded loaded = images.train(paths, seeds, Collections.nCopies(paths.size(), transform));
        List<String> texts = new ArrayList<>();
        long[] idx = new long[loaded.kept().length];
        for (int i = 0; i < idx.length; i++) {
            RetrievalData.Pair p = shard.get(loaded.kept()[i]);
            texts.add(p.caption());
            idx[i] = p.imageIndex();
        }
        Device device = EveModels.device(model);
        Tensor image = loaded.images() == null ? Tensor.zeros(device, DType.F32, 0, 3, images.resolution(), images.resolution())
                : loaded.images().to(device);
        Tensor[] text = TextBatches.encode(tokenizer, texts, textLength);
        Parts parts = compute(model, image, text[0].to(device), text[1].to(device), Tensor.of(idx).to(device), group, Generator.current(),
                gateWeight);
        logs.put("loss_itc", (double) parts.itc.item());
        logs.put("loss_itm", (double) parts.itm.item());
        if (parts.gate != null) logs.put("loss_gate", (double) parts.gate.item());
        logs.put("images_skipped", (double) images.skipped());
        return parts.total();
    }

    /** The three losses of one step. */
    record Parts(Tensor itc, Tensor itm, Tensor gate) {
        Tensor total() {
            Tensor t = itc.add(itm);
            return gate == null ? t : t.add(gate);
        }
    }

    /** The original's BEiT.forward for retrieval on one replica's batch (its tensors on the model's device). */
    static Parts compute(RetrievalModel model, Tensor image, Tensor ids, Tensor atts, Tensor idx, ProcessGroup group,
                         Generator gen, double gateWeight) {
        Device device = image.device();
        model.clampTemperature();
        model.backbone().collectGateLoss();
        Tensor v = model.embedForItc(image, null, null, Mode.VISION);
        Tensor t = model.embedForItc(null, ids, atts, Mode.TEXT);
        Tensor vAll = Collectives.allGather(group, v), tAll = Collectives.allGather(group, t);
        Tensor idxAll = group.allGather(idx);
        Tensor logits = model.itcLogits(vAll, tAll);
        Tensor same = idxAll.reshape(-1, 1).eq(idxAll.reshape(1, -1)).to(DType.F32);
        Tensor itc = RetrievalModel.itcLoss(logits, same.div(same.sum(1, true)));

        // Hard negatives from the ITC similarities of the whole (gathered) batch.
        int b = image.size(0);
        long[] sizes = group.allGather(Tensor.of(new long[] {b}).to(device)).toLongArray();
        int offset = 0;
        for (int r = 0; r < group.rank(); r++) offset += (int) sizes[r];
        Tensor imageAll = group.allGather(image), idsAll = group.allGather(ids), attsAll = group.allGather(atts);
        long[] negImage = new long[b], negText = new long[b];
        try (var ignored = NoGrad.enter()) {
            Tensor sim = logits.detach();
            Tensor wi2t = sim.softmax(1).add(1e-5).maskedFill(same.ne(0), 0);
            Tensor wt2i = sim.t().softmax(1).add(1e-5).maskedFill(same.ne(0), 0);
            float[] i2t = wi2t.slice(0, offset, offset + b).contiguous().toFloatArray();
            float[] t2i = wt2i.slice(0, offset, offset + b).contiguous().toFloatArray();
            int n = sim.size(0);
            for (int i = 0; i < b; i++) negImage[i] = multinomial(t2i, i * n, n, gen);
            for (int i = 0; i < b; i++) negText[i] = multinomial(i2t, i * n, n, gen);
        }
        Tensor imagesNeg = imageAll.indexSelect(0, Tensor.of(negImage).to(device));
        Tensor negTextIndex = Tensor.of(negText).to(device);
        Tensor idsNeg = idsAll.indexSelect(0, negTextIndex), attsNeg = attsAll.indexSelect(0, negTextIndex);
        Tensor pos = model.itmLogits(model.backbone().forward(image, ids, atts, Mode.VL));
        Tensor negI = model.itmLogits(model.backbone().forward(imagesNeg, ids, atts, Mode.VL));
        Tensor negT = model.itmLogits(model.backbone().forward(image, idsNeg, attsNeg, Mode.VL));
        long[] labels = new long[3 * b];
        for (int i = 0; i < b; i++) labels[i] = 1;
        Tensor itm = F.crossEntropy(Tensor.cat(0, pos, negI, negT), Tensor.of(labels).to(device));
        Tensor gate = model.backbone().takeGateLoss();
        return new Parts(itc, itm, gate == null ? null : gate.mul(gateWeight));
    }

    /** One draw from unnormalised non-negative weights (torch.multinomial(w, 1)). */
    static int multinomial(float[] w, int off, int n, Generator gen) {
        double total = 0;
        for (int j = 0; j < n; j++) total += w[off + j];
        double u = gen.nextDouble() * total, acc = 0;
        for (int j = 0; j < n; j++) {
            acc += w[off + j];
            if (u < acc && w[off + j] > 0) return j;
        }
        for (int j = n - 1; j >= 0; j--) if (w[off + j] > 0) return j;
        return 0;
    }

    @Override
    public Map<String, Object> evaluate(RetrievalModel model, int epoch) {
        RetrievalEvaluator evaluator = new RetrievalEvaluator(model, tokenizer, images.evaluation(), textLength, eval.imageBatch(), eval.textBatch());
        Map<String, Object> result = new LinkedHashMap<>();
        Map<String, Double> plain = evaluator.evaluate(test, 0).metrics();
        result.put("no_rerank", plain);
        double score = plain.get("r_mean");
        if (eval.kTest() > 0 && (eval.rerankEveryEpoch() || epoch == epochs - 1)) {
            Map<String, Double> reranked = evaluator.evaluate(test, eval.kTest()).metrics();
            result.put("rerank", reranked);
            score = reranked.get("r_mean");
        }
        result.put("score", score);
        dev.eve.models.tasks.EvalFiles.write(outputDir, "eval_" + name + ".json", result);
        return result;
    }
}
