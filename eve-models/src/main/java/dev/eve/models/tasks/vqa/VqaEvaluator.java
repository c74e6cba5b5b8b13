package dev.eve.models.tasks.vqa;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.data.VqaData;
import dev.eve.models.eve.EveModels;
import dev.eve.models.eve.heads.VqaModel;
import dev.eve.models.tasks.ImageSource;
import dev.eve.models.tasks.TextBatches;
import dev.eve.models.text.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The original VQA.py {@code evaluation}: batches of {@code batch_size_test}, answer =
 * {@code answer_list[argmax(logits)]} over the raw classifier outputs.
 */
public final class VqaEvaluator {

    /** One answered question. */
    public record Answer(long questionId, String answer) {}

    private final VqaModel model;
    private final Tokenizer tokenizer;
    private final ImageSource images;
    private final int textLength, batch;

    public VqaEvaluator(VqaModel model, Tokenizer tokenizer, ImageSource images, int textLength, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch_size_test must be >= 1");
        this.model = model;
        this.tokenizer = tokenizer;
        this.images = images;
        this.textLength = textLength;
        this.batch = batch;
    }

    public List<Answer> answer(List<VqaData.Question> questions, VqaData.AnswerList answers) {
        model.eval();
        Device device = EveModels.device(model);
        List<Answer> out = new ArrayList<>();
        try (var ignored = NoGrad.enter()) {
            for (int i = 0; i < questions.size(); i += batch) {
                List<VqaData.Question> chunk = questions.subList(i, Math.min(questions.size(), i + batch));
                List<Path> paths = new ArrayList<>();
                List<String> texts = new ArrayList<>();
                for (VqaData.Question q : chunk) {
                    paths.add(q.image());
                    texts.add(q.question());
                }
                Tensor[] enc = TextBatches.encode(tokenizer, texts, textLength);
                Tensor logits = model.logits(images.batch(paths).to(device), enc[0].to(device), enc[1].to(device));
                if (logits.size(1) < answers.size())
                    throw new IllegalArgumentException("the classifier has " + logits.size(1) + " outputs but the answer list has " + answers.size());
                long[] pred = logits.argmax(1, false).toLongArray();
                for (int j = 0; j < chunk.size(); j++) {
                    int p = (int) pred[j];
                    if (p >= answers.size())
                        throw new IllegalStateException("question " + chunk.get(j).questionId() + ": predicted class " + p
                                + " has no entry in the answer list of " + answers.size());
                    out.add(new Answer(chunk.get(j).questionId(), answers.answers().get(p)));
                }
            }
        }
        return out;
    }
}
