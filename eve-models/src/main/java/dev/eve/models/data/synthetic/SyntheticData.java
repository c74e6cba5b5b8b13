package dev.eve.models.data.synthetic;

import dev.eve.models.text.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The built-in synthetic vision-language data set, in memory: images with captions and VQA questions,
 * NLVR2-style image pairs with statements, the tokenizer and the VQA answer list. Deterministic: every
 * item is a pure function of the {@link Settings} and its split and index ({@link #sample},
 * {@link #nlvr}), whatever the number of threads. Nothing is downloaded; {@link SyntheticExport} writes
 * the same data in the real file formats.
 *
 * <pre>{@code
 * SyntheticData data = SyntheticData.generate(Settings.defaults().withSeed(7).withImageSize(32));
 * Tokenizer tok = data.tokenizer();                       // [PAD]=0, [MASK]=data.maskId(), [CLS] text [SEP]
 * for (ImageText p : data.pairs(Split.TRAIN)) ...         // pre-training / retrieval pairs
 * Tensor x = ImageTensors.batch(List.of(data.train().get(0).image()));
 * }</pre>
 */
public final class SyntheticData {

    /** Question ids of the test split start here (train ids start at 0). */
    public static final long TEST_QUESTION_IDS = 100_000_000_000L;

    private final Settings settings;
    private final List<Sample> train, test;
    private final List<NlvrExample> nlvrTrain, nlvrTest;
    private final SyntheticStats stats;

    private SyntheticData(Settings settings, List<Sample> train, List<Sample> test, List<NlvrExample> nlvrTrain,
                          List<NlvrExample> nlvrTest) {
        this.settings = settings;
        this.train = train;
        this.test = test;
        this.nlvrTrain = nlvrTrain;
        this.nlvrTest = nlvrTest;
        SyntheticStats.Builder b = new SyntheticStats.Builder(tokenizer());
        train.forEach(b::add);
        test.forEach(b::add);
        nlvrTrain.forEach(b::add);
        nlvrTest.forEach(b::add);
        this.stats = b.build(vocabSize());
    }

    /** Generates every split of the settings (on all cores; the result does not depend on how many). */
    public static SyntheticData generate(Settings s) {
        return new SyntheticData(s, images(s, Split.TRAIN, s.trainImages()), images(s, Split.TEST, s.testImages()),
                statements(s, Split.TRAIN, s.nlvrTrain()), statements(s, Split.TEST, s.nlvrTest()));
    }

    private static List<Sample> images(Settings s, Split split, int n) {
        return List.copyOf(IntStream.range(0, n).parallel().mapToObj(i -> sample(s, split, i)).toList());
    }

    private static List<NlvrExample> statements(Settings s, Split split, int n) {
        return List.copyOf(IntStream.range(0, n).parallel().mapToObj(i -> nlvr(s, split, i)).toList());
    }

    /** Image {@code index} of a split, rendered, with its captions and questions. */
    public static Sample sample(Settings s, Split split, int index) {
        long scene = SyntheticScenes.index(split, index);
        Scene sc = SyntheticScenes.draw(s, Rng.of(s.seed(), SyntheticScenes.SCENE, scene));
        List<Caption> captions = Captions.of(sc, s, Rng.of(s.seed(), SyntheticScenes.CAPTIONS, scene));
        long firstId = (split == Split.TEST ? TEST_QUESTION_IDS : 0) + 16L * index;
        List<VqaItem> questions = Questions.of(sc, s, Rng.of(s.seed(), SyntheticScenes.QUESTIONS, scene), firstId);
        return new Sample(split, index, scene, sc, SceneRenderer.render(sc, s.imageSize(), s.noise()), captions, questions);
    }

    /** NLVR2 example {@code index} of a split, with both images rendered. */
    public static NlvrExample nlvr(Settings s, Split split, int index) {
        if (index < 0) throw new IllegalArgumentException("negative index " + index);
        Statements.Drawn d = Statements.draw(s, Rng.of(s.seed(), SyntheticScenes.NLVR, split.ordinal(), index));
        String raw = d.statement().raw();
        return new NlvrExample(split, index, d.left(), d.right(), SceneRenderer.render(d.left(), s.imageSize(), s.noise()),
                SceneRenderer.render(d.right(), s.imageSize(), s.noise()), d.statement().type(), Texts.cleanStatement(raw), raw,
                d.label());
    }

    public Settings settings() {
        return settings;
    }

    public List<Sample> train() {
        return train;
    }

    public List<Sample> test() {
        return test;
    }

    public List<Sample> images(Split split) {
        return split == Split.TRAIN ? train : test;
    }

    public List<NlvrExample> nlvrTrain() {
        return nlvrTrain;
    }

    public List<NlvrExample> nlvrTest() {
        return nlvrTest;
    }

    public List<NlvrExample> nlvr(Split split) {
        return split == Split.TRAIN ? nlvrTrain : nlvrTest;
    }

    /** Every (image, caption) pair of a split, image by image. */
    public List<ImageText> pairs(Split split) {
        List<ImageText> out = new ArrayList<>();
        for (Sample s : images(split))
            for (Caption c : s.captions()) out.add(new ImageText(s.index(), s.image(), c.text()));
        return out;
    }

    /** Every question of a split, image by image (the image is {@code images(split).get(questionImage(q))}). */
    public List<VqaItem> questions(Split split) {
        List<VqaItem> out = new ArrayList<>();
        for (Sample s : images(split)) out.addAll(s.questions());
        return out;
    }

    /** The index in its split of the image a question is about. */
    public static int questionImage(VqaItem q) {
        long id = q.questionId() >= TEST_QUESTION_IDS ? q.questionId() - TEST_QUESTION_IDS : q.questionId();
        return (int) (id / 16);
    }

    /** The tokenizer of every synthetic text (shared by all settings). */
    public Tokenizer tokenizer() {
        return SyntheticVocabulary.tokenizer();
    }

    public int vocabSize() {
        return SyntheticVocabulary.size();
    }

    public int padId() {
        return SyntheticVocabulary.PAD_ID;
    }

    public int maskId() {
        return SyntheticVocabulary.MASK_ID;
    }

    /** The VQA answer list: class {@code i} is answer {@code answers().get(i)} (the same for all settings). */
    public List<String> answers() {
        return QuestionType.allAnswers();
    }

    /** The class of an answer, or -1. */
    public int answerIndex(String answer) {
        return answers().indexOf(answer);
    }

    public SyntheticStats stats() {
        return stats;
    }
}
