package dev.eve.models.tasks.retrieval;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.data.RetrievalData;
import dev.eve.models.eve.EveModels;
import dev.eve.models.eve.Mode;
import dev.eve.models.eve.heads.RetrievalModel;
import dev.eve.models.tasks.ImageSource;
import dev.eve.models.tasks.TextBatches;
import dev.eve.models.text.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The original Retrieval.py {@code evaluation}: caption embeddings in chunks of
 * {@code batch_size_test_text}, image embeddings in batches of {@code batch_size_test} (both through
 * {@code forward_eval}), similarities, and optionally the ITM re-rank of each row's top k_test with
 * every other score at -100. Batch sizes matter: MoE capacity is per forward call.
 */
public final class RetrievalEvaluator {

    /** Scores and metrics of one evaluation. */
    public record Result(float[][] i2t, float[][] t2i, Map<String, Double> metrics) {}

    private final RetrievalModel model;
    private final Tokenizer tokenizer;
    private final ImageSource images;
    private final int textLength, imageBatch, textBatch;

    public RetrievalEvaluator(RetrievalModel model, Tokenizer tokenizer, ImageSource images, int textLength, int imageBatch, int textBatch) {
        if (imageBatch < 1 || textBatch < 1) throw new IllegalArgumentException("evaluation batch sizes must be >= 1");
        this.model = model;
        this.tokenizer = tokenizer;
        this.images = images;
        this.textLength = textLength;
        this.imageBatch = imageBatch;
        this.textBatch = textBatch;
    }

    /** Embeddings and similarities, then the recall metrics; re-ranks the top {@code kTest} when > 0. */
    public Result evaluate(RetrievalData.EvalSet data, int kTest) {
        model.eval();
        // The model's inputs go to its device batch by batch; the texts and images kept for re-ranking stay on the host.
        Device device = EveModels.device(model);
        try (var ignored = NoGrad.enter()) {
            int nText = data.texts().size(), nImg = data.images().size();
            List<Tensor> textEmbeds = new ArrayList<>(), textIds = new ArrayList<>(), textAtts = new ArrayList<>();
            for (int i = 0; i < nText; i += textBatch) {
                Tensor[] enc = TextBatches.encode(tokenizer, data.texts().subList(i, Math.min(nText, i + textBatch)), textLength);
                textEmbeds.add(model.embedForEval(null, enc[0].to(device), enc[1].to(device), Mode.TEXT));
                textIds.add(enc[0]);
                textAtts.add(enc[1]);
            }
            List<Tensor> imageEmbeds = new ArrayList<>(), allImages = new ArrayList<>();
            for (int i = 0; i < nImg; i += imageBatch) {
                Tensor batch = images.batch(data.images().subList(i, Math.min(nImg, i + imageBatch)));
                imageEmbeds.add(model.embedForEval(batch.to(device), null, null, Mode.VISION));
                allImages.add(batch);
            }
            Tensor sims = Tensor.cat(0, imageEmbeds).matmul(Tensor.cat(0, textEmbeds).t());   // [images, texts]
            float[][] i2t, t2i;
            if (kTest > 0) {
                Tensor ids = Tensor.cat(0, textIds), atts = Tensor.cat(0, textAtts), imgs = Tensor.cat(0, allImages);
                i2t = rerank(sims, Math.min(kTest, nText), (row, top) -> itmScores(device, repeat(imgs.get(row), top.length), ids.indexSelect(0, Tensor.of(top)), atts.indexSelect(0, Tensor.of(top))));
                t2i = rerank(sims.t().contiguous(), Math.min(kTest, nImg), (row, top) -> itmScores(device, imgs.indexSelect(0, Tensor.of(top)), repeat(ids.get(row), top.length), repeat(atts.get(row), top.length)));
            } else {
                i2t = rows(sims);
                t2i = rows(sims.t());
            }
            return new Result(i2t, t2i, ItmEval.evaluate(i2t, t2i, data.txt2img(), data.img2txt()));
        }
    }

    /** Scores of one row's top candidates. */
    @FunctionalInterface
    private interface RowScorer {
        float[] score(int row, long[] candidates);
    }

    /** -100 everywhere but at each row's top-k similarities, which get the ITM score. */
    private static float[][] rerank(Tensor sims, int k, RowScorer scorer) {
        int rows = sims.size(0), cols = sims.size(1);
        float[][] out = new float[rows][cols];
        var top = sims.topk(k, 1, true).indices();
        long[] idx = top.toLongArray();
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(out[r], -100f);
            long[] cand = java.util.Arrays.copyOfRange(idx, r * k, (r + 1) * k);
            float[] s = scorer.score(r, cand);
            for (int j = 0; j < k; j++) out[r][(int) cand[j]] = s[j];
        }
        return out;
    }

    /** ITM class-1 logits for image/text pairs (host tensors; one joint forward call on the model's device). */
    private float[] itmScores(Device device, Tensor images, Tensor ids, Tensor atts) {
        Tensor out = model.backbone().forward(images.to(device), ids.to(device), atts.to(device), Mode.VL);
        return model.itmLogits(out).select(1, 1).toFloatArray();
    }

    private static Tensor repeat(Tensor row, int times) {
        int[] shape = new int[row.dim() + 1];
        shape[0] = times;
        for (int i = 0; i < row.dim(); i++) shape[i + 1] = row.size(i);
        return row.unsqueeze(0).expand(shape).contiguous();
    }

    private static float[][] rows(Tensor m) {
        int r = m.size(0), c = m.size(1);
        float[] flat = m.contiguous().toFloatArray();
        float[][] out = new float[r][c];
        for (int i = 0; i < r; i++) System.arraycopy(flat, i * c, out[i], 0, c);
        return out;
    }
}
