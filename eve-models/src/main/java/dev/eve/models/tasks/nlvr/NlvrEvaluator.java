package dev.eve.models.tasks.nlvr;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.data.NlvrData;
import dev.eve.models.eve.EveModels;
import dev.eve.models.eve.heads.NlvrModel;
import dev.eve.models.tasks.ImageSource;
import dev.eve.models.tasks.TextBatches;
import dev.eve.models.text.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The original NLVR_beit.py {@code evaluate}: batches of {@code batch_size}, text length 40
 * (hard-coded there), each side a separate backbone call, accuracy as the meter's weighted average
 * of float32 batch ratios, formatted "%.4f".
 */
public final class NlvrEvaluator {

    /** The original tokenizes NLVR2 statements to 40 tokens whatever the config says. */
    public static final int TEXT_LENGTH = 40;

    /** Predictions (1 = True) and the accuracy as the original computes and prints it. */
    public record Result(int[] predictions, double accuracy, String formatted) {}

    private final NlvrModel model;
    private final Tokenizer tokenizer;
    private final ImageSource images;
    private final int batch;

    public NlvrEvaluator(NlvrModel model, Tokenizer tokenizer, ImageSource images, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch_size must be >= 1");
        this.model = model;
        this.tokenizer = tokenizer;
        this.images = images;
        this.batch = batch;
    }

    public Result evaluate(List<NlvrData.Example> examples) {
        model.eval();
        Device device = EveModels.device(model);
        int[] pred = new int[examples.size()];
        double total = 0;
        long count = 0;
        try (var ignored = NoGrad.enter()) {
            for (int i = 0; i < examples.size(); i += batch) {
                List<NlvrData.Example> chunk = examples.subList(i, Math.min(examples.size(), i + batch));
                List<Path> left = new ArrayList<>(), right = new ArrayList<>();
                List<String> texts = new ArrayList<>();
                for (NlvrData.Example e : chunk) {
                    left.add(e.left());
                    right.add(e.right());
                    texts.add(e.sentence());
                }
                Tensor[] enc = TextBatches.encode(tokenizer, texts, TEXT_LENGTH);
                long[] p = model.logits(images.batch(left).to(device), images.batch(right).to(device), enc[0].to(device), enc[1].to(device))
                        .argmax(1, false).toLongArray();
                int correct = 0;
                for (int j = 0; j < chunk.size(); j++) {
                    pred[i + j] = (int) p[j];
                    if (p[j] == chunk.get(j).label()) correct++;
                }
                float ratio = (float) correct / chunk.size();   // a float32 tensor in the original
                total += (double) ratio * chunk.size();
                count += chunk.size();
            }
        }
        double acc = count == 0 ? Double.NaN : total / count;
        // Python's "{:.4f}" rounds the exact binary value half to even.
        String formatted = Double.isNaN(acc) ? "nan"
                : new java.math.BigDecimal(acc).setScale(4, java.math.RoundingMode.HALF_EVEN).toPlainString();
        return new Result(pred, acc, formatted);
    }
}
