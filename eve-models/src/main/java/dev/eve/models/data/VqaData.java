package dev.eve.models.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.models.text.EveText;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Readers of the VQA files (X-VLM / ALBEF format), as the original's vqa_dataset.py. */
public final class VqaData {

    /** pre_question limits: 30 words for training, 50 at test time. */
    public static final int TRAIN_WORDS = 30, TEST_WORDS = 50;

    private VqaData() {}

    /**
     * A question. {@code answerWeights} (training only) maps each distinct answer to its soft score;
     * {@code noFlip} is true when 'left' or 'right' appears in the raw question or an answer, which
     * forbids the horizontal flip augmentation.
     */
    public record Question(long questionId, String question, Path image, Map<String, Float> answerWeights, boolean noFlip) {}

    /** The answer vocabulary: {@code answer_list.json}, a JSON list of strings; index = class. */
    public record AnswerList(List<String> answers, Map<String, Integer> index) {
        public static AnswerList load(Path file) {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(file.toFile());
            } catch (IOException e) {
                throw new DataFormatException(file + ": " + (e instanceof java.io.FileNotFoundException ? "no such file"
                        : "not valid JSON: " + String.valueOf(e.getMessage()).split("\n")[0]), e);
            }
            if (root == null || !root.isArray()) throw new DataFormatException(file + ": expected a JSON list of answers");
            List<String> answers = new ArrayList<>();
            Map<String, Integer> index = new LinkedHashMap<>();
            for (JsonNode a : root) {
                if (!a.isTextual()) throw new DataFormatException(file + ": answers must be strings, got " + a);
                // As the original: target_index[a] = len(target_index), so a repeated answer moves.
                index.put(a.asText(), index.size());
                answers.add(a.asText());
            }
            return new AnswerList(List.copyOf(answers), index);
        }

        public int size() {
            return answers.size();
        }
    }

    /**
     * Reference answers for accuracy: every entry of the files that has a list {@code answer}
     * (test_answers.json, or test files that carry answers), by question id.
     */
    public static Map<Long, List<String>> referenceAnswers(List<Path> files) {
        Map<Long, List<String>> out = new LinkedHashMap<>();
        for (Annotations.Entry e : Annotations.read(files))
            if (e.has("answer") && e.has("question_id")) out.put(e.integer("question_id"), e.strings("answer"));
        return out;
    }

    /** The VQA soft score of an answer given by {@code n} annotators. */
    public static float score(int n) {
        return switch (n) {
            case 0 -> 0f;
            case 1 -> 0.3f;
            case 2 -> 0.6f;
            case 3 -> 0.9f;
            default -> 1f;
        };
    }

    /** Test questions: {question_id, question, image, dataset?}. */
    public static List<Question> test(List<Path> files, Path vqaRoot, Path vgRoot, Path workDir) {
        List<Question> out = new ArrayList<>();
        for (Annotations.Entry e : Annotations.read(files)) {
            String raw = e.string("question");
            out.add(new Question(e.integer("question_id"), EveText.preQuestion(raw, TEST_WORDS), image(e, vqaRoot, vgRoot, workDir), null, false));
        }
        return out;
    }

    /** Training questions with their answer weights; answers must be in the answer list. */
    public static List<Question> train(List<Path> files, Path vqaRoot, Path vgRoot, Path workDir, AnswerList answers) {
        List<Question> out = new ArrayList<>();
        for (Annotations.Entry e : Annotations.read(files)) {
            String raw = e.string("question");
            boolean vg = e.has("dataset") && e.string("dataset").equals("vg");
            Map<String, Float> weights = new LinkedHashMap<>();
            List<String> given;
            if (vg) {
                given = List.of(e.string("answer"));
                weights.put(given.get(0), 1f);
            } else {
                given = e.strings("answer");
                Map<String, Integer> counts = new LinkedHashMap<>();
                for (String a : given) counts.merge(a, 1, Integer::sum);
                counts.forEach((a, n) -> weights.put(a, score(n)));
            }
            for (String a : weights.keySet())
                if (!answers.index().containsKey(a))
                    throw new DataFormatException(e.where("answer") + ": '" + a + "' is not in the answer list");
            boolean noFlip = mentionsSide(raw) || given.stream().anyMatch(VqaData::mentionsSide);
            long id = e.has("question_id") ? e.integer("question_id") : e.index();
            out.add(new Question(id, EveText.preQuestion(raw, TRAIN_WORDS), image(e, vqaRoot, vgRoot, workDir), weights, noFlip));
        }
        return out;
    }

    private static boolean mentionsSide(String s) {
        return s.contains("left") || s.contains("right");
    }

    private static Path image(Annotations.Entry e, Path vqaRoot, Path vgRoot, Path workDir) {
        if (!e.has("dataset")) return e.path(vqaRoot, "image");
        return switch (e.string("dataset")) {
            case "vqa" -> e.path(vqaRoot, "image");
            case "vg" -> e.path(vgRoot, "image");
            case "gqa" -> e.path(workDir, "image");
            default -> throw new DataFormatException(e.where("dataset") + ": unsupported dataset '" + e.string("dataset") + "' (vqa, vg or gqa)");
        };
    }

    /** The target vector of a training question over {@code classes} outputs. */
    public static float[] targets(Question q, AnswerList answers, int classes) {
        float[] t = new float[classes];
        q.answerWeights().forEach((a, w) -> t[answers.index().get(a)] = w);
        return t;
    }
}
