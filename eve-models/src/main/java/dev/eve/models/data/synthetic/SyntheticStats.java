package dev.eve.models.data.synthetic;

import dev.eve.models.text.Tokenizer;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a synthetic data set holds and how hard it is for a model that ignores the images.
 *
 * @param vocabSize           tokenizer ids (special tokens included)
 * @param answerClasses       entries of the answer list
 * @param trainAnswers        train answers by frequency (answer list order)
 * @param testAnswers         test answers
 * @param majorityAnswer      the most frequent train answer
 * @param vqaMajorityAccuracy test accuracy of always answering {@code majorityAnswer}
 * @param vqaBlindAccuracy    test accuracy of the best text-only guess: the most frequent train answer
 *                            of the same question text (else of the same question type, else the majority)
 * @param nlvrTrueTrain       fraction of True labels among train statements
 * @param nlvrTrueTest        the same in the test split
 * @param nlvrBlindAccuracy   test accuracy of the most frequent train label of the same statement text
 *                            (else the majority label)
 * @param maxCaptionTokens    longest caption in tokens, with the [CLS] and [SEP] the tokenizer adds
 * @param retrievalChanceR1   R@1 of a random ranking of the test images (1 / test images)
 */
public record SyntheticStats(int vocabSize, int answerClasses, int trainImages, int testImages, int captions, int distinctCaptions,
                             int trainQuestions, int testQuestions, Map<String, Integer> questionTypes,
                             Map<String, Integer> trainAnswers, Map<String, Integer> testAnswers, String majorityAnswer,
                             double vqaMajorityAccuracy, double vqaBlindAccuracy, int nlvrTrain, int nlvrTest,
                             Map<String, Integer> statementTypes, double nlvrTrueTrain, double nlvrTrueTest,
                             double nlvrBlindAccuracy, int maxCaptionTokens, int maxQuestionTokens, int maxStatementTokens,
                             double retrievalChanceR1) {

    /** The values as an ordered map (for JSON). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab_size", vocabSize);
        m.put("answer_classes", answerClasses);
        m.put("train_images", trainImages);
        m.put("test_images", testImages);
        m.put("captions", captions);
        m.put("distinct_captions", distinctCaptions);
        m.put("train_questions", trainQuestions);
        m.put("test_questions", testQuestions);
        m.put("question_types", questionTypes);
        m.put("train_answers", trainAnswers);
        m.put("test_answers", testAnswers);
        m.put("majority_answer", majorityAnswer);
        m.put("vqa_majority_acc", vqaMajorityAccuracy);
        m.put("vqa_blind_acc", vqaBlindAccuracy);
        m.put("nlvr_train", nlvrTrain);
        m.put("nlvr_test", nlvrTest);
        m.put("statement_types", statementTypes);
        m.put("nlvr_true_train", nlvrTrueTrain);
        m.put("nlvr_true_test", nlvrTrueTest);
        m.put("nlvr_blind_acc", nlvrBlindAccuracy);
        m.put("max_caption_tokens", maxCaptionTokens);
        m.put("max_question_tokens", maxQuestionTokens);
        m.put("max_statement_tokens", maxStatementTokens);
        m.put("itr_chance_r1", retrievalChanceR1);
        return m;
    }

    /** Accumulates items (in any order of splits) and computes the statistics. */
    static final class Builder {
        private final Tokenizer tokenizer;
        private final List<String> answers = QuestionType.allAnswers();
        private final Map<String, Integer> trainAnswers = zeros(answers), testAnswers = zeros(answers);
        private final Map<String, Integer> questionTypes = new LinkedHashMap<>(), statementTypes = new LinkedHashMap<>();
        private final Map<String, Map<String, Integer>> byQuestion = new HashMap<>(), byType = new HashMap<>();
        private final Map<String, int[]> bySentence = new HashMap<>();
        private final List<VqaItem> testQuestions = new java.util.ArrayList<>();
        private final List<NlvrExample> testStatements = new java.util.ArrayList<>();
        private final java.util.Set<String> distinct = new java.util.HashSet<>();
        private int trainImages, testImages, captions, trainQ, nlvrTrain, nlvrTest, nlvrTrueTrain, nlvrTrueTest;
        private int maxCaption, maxQuestion, maxStatement;

        Builder(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
            for (QuestionType t : QuestionType.values()) questionTypes.put(t.name().toLowerCase(java.util.Locale.ROOT), 0);
            for (StatementType t : StatementType.values()) statementTypes.put(t.name().toLowerCase(java.util.Locale.ROOT), 0);
        }

        private static Map<String, Integer> zeros(List<String> keys) {
            Map<String, Integer> m = new LinkedHashMap<>();
            for (String k : keys) m.put(k, 0);
            return m;
        }

        private int tokens(String text) {
            return tokenizer.encodeIds(text, true).length;
        }

        synchronized void add(Sample s) {
            if (s.split() == Split.TRAIN) trainImages++;
            else testImages++;
            for (Caption c : s.captions()) {
                captions++;
                distinct.add(c.text());
                maxCaption = Math.max(maxCaption, tokens(c.text()));
            }
            for (VqaItem q : s.questions()) {
                maxQuestion = Math.max(maxQuestion, tokens(q.question()));
                questionTypes.merge(q.type().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
                if (s.split() == Split.TRAIN) {
                    trainQ++;
                    trainAnswers.merge(q.answer(), 1, Integer::sum);
                    byQuestion.computeIfAbsent(q.question(), k -> new HashMap<>()).merge(q.answer(), 1, Integer::sum);
                    byType.computeIfAbsent(q.type().name(), k -> new HashMap<>()).merge(q.answer(), 1, Integer::sum);
                } else {
                    testAnswers.merge(q.answer(), 1, Integer::sum);
                    testQuestions.add(q);
                }
            }
        }

        synchronized void add(NlvrExample e) {
            maxStatement = Math.max(maxStatement, tokens(e.sentence()));
            statementTypes.merge(e.type().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
            if (e.split() == Split.TRAIN) {
                nlvrTrain++;
                if (e.label()) nlvrTrueTrain++;
                bySentence.computeIfAbsent(e.sentence(), k -> new int[2])[e.label() ? 1 : 0]++;
            } else {
                nlvrTest++;
                if (e.label()) nlvrTrueTest++;
                testStatements.add(e);
            }
        }

        private static String argmax(Map<String, Integer> counts) {
            String best = null;
            int n = -1;
            for (Map.Entry<String, Integer> e : new java.util.TreeMap<>(counts).entrySet())
                if (e.getValue() > n) {
                    best = e.getKey();
                    n = e.getValue();
                }
            return best;
        }

        SyntheticStats build(int vocabSize) {
            String majority = trainQ == 0 ? answers.get(0) : argmax(trainAnswers);
            int majorityHits = 0, blindHits = 0;
            for (VqaItem q : testQuestions) {
                if (q.answer().equals(majority)) majorityHits++;
                Map<String, Integer> prior = byQuestion.getOrDefault(q.question(), byType.get(q.type().name()));
                String guess = prior == null ? majority : argmax(prior);
                if (q.answer().equals(guess)) blindHits++;
            }
            boolean majorityTrue = nlvrTrueTrain * 2 >= nlvrTrain;
            int nlvrBlindHits = 0;
            for (NlvrExample e : testStatements) {
                int[] c = bySentence.get(e.sentence());
                boolean guess = c == null || c[0] == c[1] ? majorityTrue : c[1] > c[0];
                if (guess == e.label()) nlvrBlindHits++;
            }
            int tq = testQuestions.size();
            return new SyntheticStats(vocabSize, answers.size(), trainImages, testImages, captions, distinct.size(), trainQ, tq,
                    questionTypes, trainAnswers, testAnswers, majority, tq == 0 ? 0 : (double) majorityHits / tq,
                    tq == 0 ? 0 : (double) blindHits / tq, nlvrTrain, nlvrTest, statementTypes,
                    nlvrTrain == 0 ? 0 : (double) nlvrTrueTrain / nlvrTrain, nlvrTest == 0 ? 0 : (double) nlvrTrueTest / nlvrTest,
                    nlvrTest == 0 ? 0 : (double) nlvrBlindHits / nlvrTest, maxCaption, maxQuestion, maxStatement,
                    testImages == 0 ? 0 : 1.0 / testImages);
        }
    }
}
