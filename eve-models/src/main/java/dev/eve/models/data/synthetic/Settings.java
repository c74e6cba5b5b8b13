package dev.eve.models.data.synthetic;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Everything that shapes the synthetic data set. The same settings always give the same data, item by
 * item: an image, its captions and questions, or an NLVR2 pair is a pure function of the settings and
 * its split and index (so sizes can change without changing the items they share).
 *
 * @param seed              the data set seed
 * @param imageSize         width and height of the images in pixels (8..4096; the demo uses 32 or 48)
 * @param trainImages       images of the train split (each with captions and questions)
 * @param testImages        images of the test split (disjoint index range)
 * @param captionsPerImage  captions per image (1..12), of different styles while styles last
 * @param questionsPerImage VQA questions per image (1..12), of different types while types last
 * @param nlvrTrain         NLVR2 statements (each with its own image pair) in the train split
 * @param nlvrTest          NLVR2 statements in the test split
 * @param shapes            how many of {@link Shape}'s values are used (2..4, in declaration order)
 * @param colours           how many of {@link Colour}'s values are used (2..6)
 * @param minObjects        fewest objects per scene (1..4)
 * @param maxObjects        most objects per scene (minObjects..4)
 * @param noise             uniform noise amplitude per channel (0..127)
 * @param captionStyles     caption templates in use
 * @param questionTypes     VQA question families in use
 * @param statementTypes    NLVR2 statement families in use
 */
public record Settings(long seed, int imageSize, int trainImages, int testImages, int captionsPerImage, int questionsPerImage,
                       int nlvrTrain, int nlvrTest, int shapes, int colours, int minObjects, int maxObjects, int noise,
                       Set<CaptionStyle> captionStyles, Set<QuestionType> questionTypes, Set<StatementType> statementTypes) {

    public Settings {
        // Enum order, never a hash order: generation iterates these sets.
        captionStyles = ordered(CaptionStyle.class, captionStyles);
        questionTypes = ordered(QuestionType.class, questionTypes);
        statementTypes = ordered(StatementType.class, statementTypes);
        check(imageSize >= 8 && imageSize <= 4096, "imageSize must be in 8..4096, got " + imageSize);
        check(trainImages >= 0 && testImages >= 0 && nlvrTrain >= 0 && nlvrTest >= 0, "split sizes must be >= 0");
        check(trainImages < 1_000_000_000 && testImages < 1_000_000_000, "at most 10^9 images per split");
        check(captionsPerImage >= 1 && captionsPerImage <= 12, "captionsPerImage must be in 1..12, got " + captionsPerImage);
        check(questionsPerImage >= 1 && questionsPerImage <= 12, "questionsPerImage must be in 1..12, got " + questionsPerImage);
        check(shapes >= 2 && shapes <= Shape.values().length, "shapes must be in 2.." + Shape.values().length + ", got " + shapes);
        check(colours >= 2 && colours <= Colour.values().length, "colours must be in 2.." + Colour.values().length + ", got " + colours);
        check(minObjects >= 1 && minObjects <= maxObjects && maxObjects <= Cell.values().length,
                "objects per scene must satisfy 1 <= min <= max <= 4, got " + minObjects + ".." + maxObjects);
        check(noise >= 0 && noise <= 127, "noise must be in 0..127, got " + noise);
        check(!captionStyles.isEmpty() && !questionTypes.isEmpty() && !statementTypes.isEmpty(),
                "caption styles, question types and statement types must not be empty");
    }

    private static <E extends Enum<E>> Set<E> ordered(Class<E> type, Set<E> values) {
        EnumSet<E> set = EnumSet.noneOf(type);
        set.addAll(values);
        return Collections.unmodifiableSet(set);
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /**
     * The defaults: seed 0, 32 px images, 1024 train and 256 test images with 3 captions and 3 questions
     * each, 1024 + 256 NLVR2 statements, 3 shapes, 4 colours, 1-3 objects, noise 24, every style and family.
     */
    public static Settings defaults() {
        return new Settings(0L, 32, 1024, 256, 3, 3, 1024, 256, 3, 4, 1, 3, 24,
                EnumSet.allOf(CaptionStyle.class), EnumSet.allOf(QuestionType.class), EnumSet.allOf(StatementType.class));
    }

    public Settings withSeed(long s) {
        return new Settings(s, imageSize, trainImages, testImages, captionsPerImage, questionsPerImage, nlvrTrain, nlvrTest, shapes,
                colours, minObjects, maxObjects, noise, captionStyles, questionTypes, statementTypes);
    }

    public Settings withImageSize(int px) {
        return new Settings(seed, px, trainImages, testImages, captionsPerImage, questionsPerImage, nlvrTrain, nlvrTest, shapes,
                colours, minObjects, maxObjects, noise, captionStyles, questionTypes, statementTypes);
    }

    /** Image counts of the train and test splits (for retrieval, VQA and pre-training). */
    public Settings withImages(int train, int test) {
        return new Settings(seed, imageSize, train, test, captionsPerImage, questionsPerImage, nlvrTrain, nlvrTest, shapes,
                colours, minObjects, maxObjects, noise, captionStyles, questionTypes, statementTypes);
    }

    /** NLVR2 statement counts of the train and test splits. */
    public Settings withNlvr(int train, int test) {
        return new Settings(seed, imageSize, trainImages, testImages, captionsPerImage, questionsPerImage, train, test, shapes,
                colours, minObjects, maxObjects, noise, captionStyles, questionTypes, statementTypes);
    }

    public Settings withCaptionsPerImage(int n) {
        return new Settings(seed, imageSize, trainImages, testImages, n, questionsPerImage, nlvrTrain, nlvrTest, shapes,
                colours, minObjects, maxObjects, noise, captionStyles, questionTypes, statementTypes);
    }

    public Settings withQuestionsPerImage(int n) {
        return new Settings(seed, imageSize, trainImages, testImages, captionsPerImage, n, nlvrTrain, nlvrTest, shapes,
                colours, minObjects, maxObjects, noise, captionStyles, questionTypes, statementTypes);
    }

    /** How many shapes and colours are drawn (the first ones of {@link Shape} and {@link Colour}). */
    public Settings withPalette(int shapeCount, int colourCount) {
        return new Settings(seed, imageSize, trainImages, testImages, captionsPerImage, questionsPerImage, nlvrTrain, nlvrTest,
                shapeCount, colourCount, minObjects, maxObjects, noise, captionStyles, questionTypes, statementTypes);
    }

    public Settings withObjects(int min, int max) {
        return new Settings(seed, imageSize, trainImages, testImages, captionsPerImage, questionsPerImage, nlvrTrain, nlvrTest, shapes,
                colours, min, max, noise, captionStyles, questionTypes, statementTypes);
    }

    public Settings withNoise(int amplitude) {
        return new Settings(seed, imageSize, trainImages, testImages, captionsPerImage, questionsPerImage, nlvrTrain, nlvrTest, shapes,
                colours, minObjects, maxObjects, amplitude, captionStyles, questionTypes, statementTypes);
    }

    public Settings withCaptionStyles(Set<CaptionStyle> styles) {
        return new Settings(seed, imageSize, trainImages, testImages, captionsPerImage, questionsPerImage, nlvrTrain, nlvrTest, shapes,
                colours, minObjects, maxObjects, noise, styles, questionTypes, statementTypes);
    }

    public Settings withQuestionTypes(Set<QuestionType> types) {
        return new Settings(seed, imageSize, trainImages, testImages, captionsPerImage, questionsPerImage, nlvrTrain, nlvrTest, shapes,
                colours, minObjects, maxObjects, noise, captionStyles, types, statementTypes);
    }

    public Settings withStatementTypes(Set<StatementType> types) {
        return new Settings(seed, imageSize, trainImages, testImages, captionsPerImage, questionsPerImage, nlvrTrain, nlvrTest, shapes,
                colours, minObjects, maxObjects, noise, captionStyles, questionTypes, types);
    }

    /** The shapes in use. */
    public java.util.List<Shape> shapeList() {
        return java.util.List.of(Shape.values()).subList(0, shapes);
    }

    /** The colours in use. */
    public java.util.List<Colour> colourList() {
        return java.util.List.of(Colour.values()).subList(0, colours);
    }
}
