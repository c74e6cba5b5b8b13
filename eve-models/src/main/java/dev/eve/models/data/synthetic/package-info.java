/**
 * The built-in synthetic vision-language data set: procedurally drawn images with captions, VQA
 * questions and NLVR2-style statements, deterministic from a seed, nothing to download.
 *
 * <h2>Scenes</h2>
 * A {@link dev.eve.models.data.synthetic.Scene} holds 1 to 3 objects (1 to 4 possible), one per
 * quadrant of the image; each has a {@link dev.eve.models.data.synthetic.Shape} (circle, square,
 * triangle; cross optional), a {@link dev.eve.models.data.synthetic.Colour} (red, green, blue, yellow;
 * purple and white optional), a {@link dev.eve.models.data.synthetic.Size} (small objects are about a
 * fifth of the image wide, large ones about two fifths) and a position jittered inside its quadrant,
 * on a dim random background. {@link dev.eve.models.data.synthetic.SceneRenderer} draws it with its
 * own anti-aliased rasterizer (no java.awt), adding uniform noise to every pixel: the pixels are the
 * same on every JDK. Scene {@code i} is a pure function of the seed and {@code i}
 * ({@link dev.eve.models.data.synthetic.SyntheticScenes}).
 *
 * <h2>Texts</h2>
 * All texts come from templates over the scene, with a word-level vocabulary of 59 words
 * ({@link dev.eve.models.data.synthetic.SyntheticVocabulary}, 64 ids with [PAD] [UNK] [CLS] [SEP]
 * [MASK]), and are exactly what EVE's text cleaning makes of their written form:
 * <ul>
 *   <li>captions in six styles ({@link dev.eve.models.data.synthetic.CaptionStyle}), with paraphrases
 *       (prefixes, with or without sizes, object order): "a picture of a large red circle and a small
 *       blue square", "there are two red circles and a blue square", "a red circle in the top left and
 *       a blue square in the bottom right", "two objects a red circle and a blue square", "two circles
 *       and a square", "a red object and two blue objects";</li>
 *   <li>VQA questions in six families ({@link dev.eve.models.data.synthetic.QuestionType}) with 23
 *       closed answers: colour, shape, count (zero..four), yes/no, quadrant, size. Objects are referred
 *       to only by descriptions that pick them out alone; answers are drawn as evenly as the scene
 *       allows;</li>
 *   <li>NLVR2 statements in six families ({@link dev.eve.models.data.synthetic.StatementType}) about a
 *       pair of images; the statement is drawn first, then a label with equal odds, then image pairs
 *       until the statement has that label, so the text alone predicts nothing.</li>
 * </ul>
 *
 * <h2>Use</h2>
 * {@link dev.eve.models.data.synthetic.SyntheticData#generate} builds the splits in memory (train and
 * test from disjoint index ranges) with their {@link dev.eve.models.data.synthetic.SyntheticStats}
 * (answer distribution, majority and text-only baselines, label balance);
 * {@link dev.eve.models.data.synthetic.SyntheticExport#write} writes the same items in the original
 * file formats (images, retrieval / VQA / NLVR2 JSON, pre-training JSON lines, tokenizer, model
 * config and task YAMLs) for {@code eve run}.
 */
package dev.eve.models.data.synthetic;
