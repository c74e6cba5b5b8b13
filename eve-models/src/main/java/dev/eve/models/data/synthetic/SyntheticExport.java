package dev.eve.models.data.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.eve.models.data.image.RgbImage;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Writes a synthetic data set in the original file formats, so that every reader and the whole
 * {@code eve run} path can be exercised on it without a download. The folder holds:
 *
 * <pre>
 * images/                    train_000000.png, test_000000.png, nlvr_train_000000_left.png, ...
 *                            (every 4th image, and every 3rd right NLVR2 image, is a JPEG, quality 95)
 * tokenizer/                 tokenizer.json (+ tokenizer_config.json: [PAD] is the pad token)
 * config.json                a tiny EVE model config (MoE in layers 1 and 3) with this vocabulary
 * retrieval_train.json       [{image, caption, image_id}]          one entry per caption
 * retrieval_test.json        [{image, caption: [...]}]             one entry per image
 * pretrain.jsonl             {"image": ..., "caption": ...} a line  train images, one line per caption
 * pretrain_test.jsonl        the same for the test images (held-out pre-training loss)
 * vqa_train.json             [{question_id, question, answer: [10 x answer], image, dataset: "vqa"}]
 * vqa_test.json              [{question_id, question, image, dataset: "vqa"}]
 * vqa_test_answers.json      [{question_id, answer: [10 x answer]}]
 * answer_list.json           every answer (class order)
 * nlvr_train.json, nlvr_test.json   [{images: [left, right], sentence, label: "True" | "False"}]
 * retrieval.yaml, vqa.yaml, nlvr.yaml, pretrain.yaml   task configs in the original format
 * synthetic.json             the settings and {@link SyntheticStats}
 * </pre>
 *
 * Texts are written in their raw form (capitals, commas, final punctuation): the readers' cleaning
 * ({@code pre_caption}, {@code pre_question}) gives back exactly the in-memory texts. Image paths in
 * the JSON files are relative to {@code image_root} / {@code vqa_root} ({@code images/}); every path in
 * a YAML is relative to the YAML's folder.
 */
public final class SyntheticExport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper JSON_LINE = new ObjectMapper();

    private SyntheticExport() {}

    /** Where everything went. */
    public record Layout(Path root, Path images, Path tokenizer, Path modelConfig, Path retrievalYaml, Path vqaYaml, Path nlvrYaml,
                         Path pretrainYaml, Path pretrainPairs, Path pretrainTestPairs, Path answerList, Path summary,
                         SyntheticStats stats) {}

    /** Writes the data set of {@code settings} into {@code dir} (created), with {@link #defaultPatchSize}. */
    public static Layout write(Settings settings, Path dir) {
        return write(settings, dir, defaultPatchSize(settings.imageSize()));
    }

    /**
     * The patch size the exported configs use: the original's 16 where it divides the image into at
     * least 2 x 2 patches, else 8 (or the largest of 4, 2, 1 dividing the size). At the demo's 32 px the
     * 2 x 2 patches are the scene's four cells, one object each at most: a patch embedding sees whole
     * objects, and the encoder runs on 5 vision tokens instead of 17.
     */
    public static int defaultPatchSize(int imageSize) {
        if (imageSize >= 32 && imageSize % 16 == 0) return 16;
        for (int p : new int[] {8, 4, 2}) if (imageSize % p == 0) return p;
        return 1;
    }

    /** What is kept of an image once it is written. */
    private record Written(Sample sample, String file) {}

    private record WrittenPair(NlvrExample example, String left, String right) {}

    public static Layout write(Settings s, Path dir, int patchSize) {
        if (patchSize <= 0 || s.imageSize() % patchSize != 0)
            throw new IllegalArgumentException("patch size " + patchSize + " must divide the image size " + s.imageSize());
        try {
            Path images = Files.createDirectories(dir.resolve("images"));
            Path tokenizer = SyntheticVocabulary.write(dir.resolve("tokenizer"));
            SyntheticStats.Builder stats = new SyntheticStats.Builder(SyntheticVocabulary.tokenizer());

            List<Written> train = writeImages(s, Split.TRAIN, s.trainImages(), images);
            List<Written> test = writeImages(s, Split.TEST, s.testImages(), images);
            List<WrittenPair> nlvrTrain = writePairs(s, Split.TRAIN, s.nlvrTrain(), images);
            List<WrittenPair> nlvrTest = writePairs(s, Split.TEST, s.nlvrTest(), images);
            for (Written w : train) stats.add(w.sample());
            for (Written w : test) stats.add(w.sample());
            for (WrittenPair p : nlvrTrain) stats.add(p.example());
            for (WrittenPair p : nlvrTest) stats.add(p.example());
            SyntheticStats st = stats.build(SyntheticVocabulary.size());

            // Retrieval and pre-training pairs.
            List<Map<String, Object>> rTrain = new ArrayList<>();
            StringBuilder pretrain = new StringBuilder();
            for (Written w : train)
                for (Caption c : w.sample().captions()) {
                    rTrain.add(map("image", w.file(), "caption", c.raw(), "image_id", w.sample().index()));
                    pretrain.append(JSON_LINE.writeValueAsString(map("image", w.file(), "caption", c.raw()))).append('\n');
                }
            List<Map<String, Object>> rTest = new ArrayList<>();
            StringBuilder pretrainTest = new StringBuilder();
            for (Written w : test) {
                rTest.add(map("image", w.file(), "caption", w.sample().captions().stream().map(Caption::raw).toList()));
                for (Caption c : w.sample().captions())
                    pretrainTest.append(JSON_LINE.writeValueAsString(map("image", w.file(), "caption", c.raw()))).append('\n');
            }
            JSON.writeValue(dir.resolve("retrieval_train.json").toFile(), rTrain);
            JSON.writeValue(dir.resolve("retrieval_test.json").toFile(), rTest);
            Path pretrainPairs = dir.resolve("pretrain.jsonl");
            Files.writeString(pretrainPairs, pretrain.toString());
            Path pretrainTestPairs = dir.resolve("pretrain_test.jsonl");
            Files.writeString(pretrainTestPairs, pretrainTest.toString());

            // VQA.
            List<Map<String, Object>> vTrain = new ArrayList<>(), vTest = new ArrayList<>(), vAnswers = new ArrayList<>();
            for (Written w : train)
                for (VqaItem q : w.sample().questions())
                    vTrain.add(map("question_id", q.questionId(), "question", q.raw(), "answer", tenTimes(q.answer()),
                            "image", w.file(), "dataset", "vqa"));
            for (Written w : test)
                for (VqaItem q : w.sample().questions()) {
                    vTest.add(map("question_id", q.questionId(), "question", q.raw(), "image", w.file(), "dataset", "vqa"));
                    vAnswers.add(map("question_id", q.questionId(), "answer", tenTimes(q.answer())));
                }
            JSON.writeValue(dir.resolve("vqa_train.json").toFile(), vTrain);
            JSON.writeValue(dir.resolve("vqa_test.json").toFile(), vTest);
            JSON.writeValue(dir.resolve("vqa_test_answers.json").toFile(), vAnswers);
            Path answerList = dir.resolve("answer_list.json");
            JSON.writeValue(answerList.toFile(), QuestionType.allAnswers());

            // NLVR2.
            JSON.writeValue(dir.resolve("nlvr_train.json").toFile(), nlvrEntries(nlvrTrain));
            JSON.writeValue(dir.resolve("nlvr_test.json").toFile(), nlvrEntries(nlvrTest));

            // Model and task configs.
            Path modelConfig = dir.resolve("config.json");
            JSON.writeValue(modelConfig.toFile(), modelConfig(patchSize));
            int maxTokens = roundUp(Math.max(st.maxCaptionTokens(), st.maxQuestionTokens()), 8);
            Path retrievalYaml = writeYaml(dir.resolve("retrieval.yaml"), retrievalYaml(s, patchSize, maxTokens));
            Path vqaYaml = writeYaml(dir.resolve("vqa.yaml"), vqaYaml(s, patchSize, maxTokens));
            Path nlvrYaml = writeYaml(dir.resolve("nlvr.yaml"), nlvrYaml(s, patchSize));
            Path pretrainYaml = writeYaml(dir.resolve("pretrain.yaml"), pretrainYaml(s, patchSize, maxTokens));

            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("generator", "dev.eve.models.data.synthetic");
            summary.put("settings", settingsMap(s));
            summary.put("stats", st.toMap());
            Path summaryFile = dir.resolve("synthetic.json");
            JSON.writeValue(summaryFile.toFile(), summary);
            return new Layout(dir, images, tokenizer, modelConfig, retrievalYaml, vqaYaml, nlvrYaml, pretrainYaml, pretrainPairs,
                    pretrainTestPairs, answerList, summaryFile, st);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export the synthetic data set to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<Written> writeImages(Settings s, Split split, int n, Path images) {
        return IntStream.range(0, n).parallel().mapToObj(i -> {
            Sample sample = SyntheticData.sample(s, split, i);
            String file = String.format(Locale.ROOT, "%s_%06d.%s", split.key(), i, i % 4 == 3 ? "jpg" : "png");
            writeImage(sample.image(), images.resolve(file));
            // Keep the texts, not the pixels (large exports would not fit in memory).
            return new Written(new Sample(split, i, sample.sceneIndex(), sample.scene(), null, sample.captions(), sample.questions()), file);
        }).toList();
    }

    private static List<WrittenPair> writePairs(Settings s, Split split, int n, Path images) {
        return IntStream.range(0, n).parallel().mapToObj(i -> {
            NlvrExample e = SyntheticData.nlvr(s, split, i);
            String stem = String.format(Locale.ROOT, "nlvr_%s_%06d", split.key(), i);
            String left = stem + "_left.png", right = stem + "_right." + (i % 3 == 2 ? "jpg" : "png");
            writeImage(e.leftImage(), images.resolve(left));
            writeImage(e.rightImage(), images.resolve(right));
            return new WrittenPair(new NlvrExample(split, i, e.left(), e.right(), null, null, e.type(), e.sentence(), e.raw(), e.label()),
                    left, right);
        }).toList();
    }

    private static List<Map<String, Object>> nlvrEntries(List<WrittenPair> pairs) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (WrittenPair p : pairs)
            out.add(map("images", List.of(p.left(), p.right()), "sentence", p.example().raw(), "label", p.example().label() ? "True" : "False"));
        return out;
    }

    private static List<String> tenTimes(String answer) {
        return java.util.Collections.nCopies(10, answer);
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static int roundUp(int n, int multiple) {
        return Math.max(multiple, (n + multiple - 1) / multiple * multiple);
    }

    /** Writes a PNG, or a JPEG of quality 0.95 when the name ends in .jpg. */
    static void writeImage(RgbImage image, Path file) {
        BufferedImage b = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) b.getRaster().getDataBuffer()).getData();
        byte[] src = image.pixels();
        for (int p = 0; p < src.length; p += 3) {
            dst[p] = src[p + 2];
            dst[p + 1] = src[p + 1];
            dst[p + 2] = src[p];
        }
        try {
            if (file.getFileName().toString().endsWith(".jpg")) {
                Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
                if (!writers.hasNext()) throw new IOException("no JPEG writer");
                ImageWriter w = writers.next();
                ImageWriteParam param = w.getDefaultWriteParam();
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(0.95f);
                Files.deleteIfExists(file);
                try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
                    w.setOutput(out);
                    w.write(null, new IIOImage(b, null, null), param);
                } finally {
                    w.dispose();
                }
            } else if (!ImageIO.write(b, "png", file.toFile())) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A tiny EVE model for this vocabulary: 4 layers of width 64, MoE (4 experts, top-2) in layers 1
     * and 3. Its init is scaled to its width: with the original's std 0.02 (truncated at one std) and
     * layer scale 0.1, a width-64 model starts with every image's CLS the same to seven digits and
     * contrastive training sits at ln(batch) for hundreds of steps; std 0.18 (effectively ~1/sqrt(64)
     * after the truncation) and layer scale 1 let it learn within the demo's minutes.
     */
    static Map<String, Object> modelConfig(int patchSize) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vision_width", 64);
        m.put("patch_size", patchSize);
        m.put("hidden_act", "gelu");
        m.put("num_attention_heads", 4);
        m.put("attention_dropout", 0.0);
        m.put("intermediate_size", 256);
        m.put("num_hidden_layers", 4);
        m.put("gradient_checkpointing", false);
        m.put("drop_path_rate", 0.0);
        m.put("vocab_size", SyntheticVocabulary.size());
        m.put("vision_vocab_size", 8192);
        m.put("relative_position_embed", false);
        m.put("ffn_type", "moe");
        m.put("vlffn_layers", List.of(2, 3));
        m.put("moeffn_layers", List.of(1, 3));
        m.put("moe_param", map("num_experts", 4, "topk", 2, "type_route", true));
        m.put("moe_lossweight", 0.001);
        m.put("initializer_range", 0.18);
        m.put("layer_scale_init_values", 1.0);
        return m;
    }

    private static Map<String, Object> settingsMap(Settings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", s.seed());
        m.put("image_size", s.imageSize());
        m.put("train_images", s.trainImages());
        m.put("test_images", s.testImages());
        m.put("captions_per_image", s.captionsPerImage());
        m.put("questions_per_image", s.questionsPerImage());
        m.put("nlvr_train", s.nlvrTrain());
        m.put("nlvr_test", s.nlvrTest());
        m.put("shapes", s.shapeList().stream().map(Shape::word).toList());
        m.put("colours", s.colourList().stream().map(Colour::word).toList());
        m.put("objects", List.of(s.minObjects(), s.maxObjects()));
        m.put("noise", s.noise());
        m.put("caption_styles", s.captionStyles().stream().map(Enum::name).toList());
        m.put("question_types", s.questionTypes().stream().map(Enum::name).toList());
        m.put("statement_types", s.statementTypes().stream().map(Enum::name).toList());
        return m;
    }

    private static Path writeYaml(Path file, String text) throws IOException {
        Files.writeString(file, text);
        return file;
    }

    private static String header(String what, String original, Settings s) {
        return "# " + what + " on the built-in synthetic data set (seed " + s.seed() + ", " + s.imageSize() + " px), in the format of\n"
                + "# EVE's " + original + ". Relative paths resolve against the folder holding this file.\n";
    }

    private static String model(Settings s, int patch) {
        return "\n## VLMO\nvlmo_config: 'config.json'\n\nimage_res: " + s.imageSize() + "\npatch_size: " + patch + "\n\n"
                + "## Text Encoder\nuse_roberta: False\ntext_encoder: 'tokenizer'  # word-level WordPiece tokenizer.json, [CLS] text [SEP], [PAD] = 0\n";
    }

    private static String training(double lr, String sched, int epochs, double warmup, double lrMult) {
        return "\n## Other Settings\n"
                + "optimizer: {opt: adamW, lr: " + lr + ", weight_decay: 0.01, lr_mult: " + lrMult + "}\n"
                + "schedular: {sched: " + sched + ", lr: " + lr + ", epochs: " + epochs + ", num_warmup_steps: " + warmup + "}\n"
                + "accelerator: {SYNCBN: false, FP16_OPT_LEVEL: O0, FP16_LOSS_SCALE: null, RNG_SEED: 42, GRAD_ACCUMULATE_STEPS: 1, CLIP_GRAD_NORM: 3.0}\n";
    }

    static String retrievalYaml(Settings s, int patch, int maxTokens) {
        return header("Image-text retrieval", "configs/Retrieval_coco_ft.yaml", s)
                + "train_file: ['retrieval_train.json']\nval_file: 'retrieval_test.json'\ntest_file: 'retrieval_test.json'\n"
                + "image_root: 'images/'\n" + model(s, patch)
                + "\n## Training\nbatch_size_train: 32\nbatch_size_test: 64\nbatch_size_test_text: 128\n"
                + "max_tokens: " + maxTokens + "\npairs: {max_tokens: " + maxTokens + "}\n"
                + "k_test: 16\nitc_type: ['fusion']\ngateloss_weight: 0.001\nrerank: True\n"
                + training(1e-4, "cos", 5, 0.1, 1);
    }

    static String vqaYaml(Settings s, int patch, int maxTokens) {
        return header("VQA", "configs/VQA_beit_480_vg.yaml", s)
                + "train_file: ['vqa_train.json']\ntest_file: ['vqa_test.json']\n"
                + "test_answers: 'vqa_test_answers.json'  # reference answers for the accuracy (not a key of the original)\n"
                + "answer_list: 'answer_list.json'\nvqa_vocab: " + QuestionType.allAnswers().size() + "  # classifier outputs: the answer list\n\n"
                + "vqa_root: 'images/'\nvg_root: 'images/'\n" + model(s, patch)
                + "\n## Training\nbatch_size_train: 32\nbatch_size_test: 64\n"
                + "max_tokens: " + maxTokens + "\npairs: {max_tokens: " + maxTokens + "}\ngateloss_weight: 0.001\n"
                + training(1e-4, "linear", 5, 0.1, 1);
    }

    static String nlvrYaml(Settings s, int patch) {
        return header("NLVR2", "configs/NLVR_vit_lrtest_5e-5.yaml", s)
                + "train_file: ['nlvr_train.json']\nval_file: ['nlvr_test.json']\ntest_file: ['nlvr_test.json']\n\n"
                + "image_root: 'images/'\n" + model(s, patch)
                + "# no max_tokens / pairs key, as in the original: NLVR statements are tokenized to 40 tokens\n"
                + "biattn: True\n"
                + "\n## Training\nbatch_size: 32\naugmentation: null\ngateloss_weight: 0.001\n"
                + training(1e-4, "cos", 5, 0.2, 1);
    }

    static String pretrainYaml(Settings s, int patch, int maxTokens) {
        return header("Masked signal modeling pre-training", "task configs", s)
                + "train_file: ['pretrain.jsonl']  # JSON lines {\"image\": ..., \"caption\": ...}, images under image_root\n"
                + "test_file: ['pretrain_test.jsonl']  # held-out pairs (the test images)\n"
                + "image_root: 'images/'\n" + model(s, patch)
                + "\n## Training\nbatch_size_train: 32\nbatch_size_test: 64\n"
                + "max_tokens: " + maxTokens + "\npairs: {max_tokens: " + maxTokens + "}\ngateloss_weight: 0.001\n"
                + training(3e-4, "cos", 10, 0.1, 1);
    }
}
