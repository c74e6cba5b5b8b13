package dev.eve.models.data.synthetic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.TaskConfig;
import dev.eve.models.data.NlvrData;
import dev.eve.models.data.PretrainData;
import dev.eve.models.data.RetrievalData;
import dev.eve.models.data.VqaData;
import dev.eve.models.data.image.ImageDecoder;
import dev.eve.models.data.image.RgbImage;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.text.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The export in the real file formats, read back through the project's own readers and configs. */
class SyntheticExportTest {

    static final Settings SETTINGS = Settings.defaults().withSeed(21).withImages(16, 8).withNlvr(12, 6);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static SyntheticExport.Layout layout;
    static SyntheticData data;

    @BeforeAll
    static void export() {
        layout = SyntheticExport.write(SETTINGS, dir);
        data = SyntheticData.generate(SETTINGS);
    }

    static RgbImage decode(Path p) {
        return ImageDecoder.standard().decode(p);
    }

    /** PNGs are exact; JPEGs (quality 95, but 4:2:0 chroma on per-pixel noise) are close. */
    static void assertSameImage(RgbImage expected, Path file) {
        RgbImage got = decode(file);
        assertEquals(expected.width(), got.width());
        assertEquals(expected.height(), got.height());
        if (file.toString().endsWith(".png")) {
            assertArrayEquals(expected.pixels(), got.pixels(), file.toString());
        } else {
            long diff = 0;
            for (int i = 0; i < got.pixels().length; i++) diff += Math.abs((got.pixels()[i] & 0xFF) - (expected.pixels()[i] & 0xFF));
            double mean = diff / (double) got.pixels().length;
            assertTrue(mean < 16, "mean JPEG error " + mean + " in " + file);
        }
    }

    @Test
    void retrievalFilesReadBackThroughTheReaders() {
        TaskConfig cfg = TaskConfig.load(layout.retrievalYaml());
        List<RetrievalData.Pair> train = RetrievalData.train(cfg.paths("train_file"), cfg.path("image_root"));
        List<RetrievalData.Pair> expected = new ArrayList<>();
        assertEquals(16 * 3, train.size());
        int k = 0;
        for (Sample s : data.train())
            for (String caption : s.captionTexts()) {
                RetrievalData.Pair p = train.get(k++);
                assertEquals(caption, p.caption());
                assertEquals(s.index(), p.imageIndex());
                assertSameImage(s.image(), p.image());
            }
        RetrievalData.EvalSet test = RetrievalData.eval(cfg.paths("test_file").get(0), cfg.path("image_root"));
        assertEquals(8, test.images().size());
        assertEquals(24, test.texts().size());
        for (Sample s : data.test()) {
            int[] ids = test.img2txt().get(s.index());
            assertEquals(3, ids.length);
            for (int j = 0; j < 3; j++) {
                assertEquals(s.captionTexts().get(j), test.texts().get(ids[j]));
                assertEquals(s.index(), test.txt2img()[ids[j]]);
            }
            assertSameImage(s.image(), test.images().get(s.index()));
        }
        assertTrue(test.images().stream().anyMatch(p -> p.toString().endsWith(".jpg")), "some images are JPEGs");
        assertTrue(test.images().stream().anyMatch(p -> p.toString().endsWith(".png")), "some images are PNGs");
    }

    @Test
    void vqaFilesReadBackThroughTheReaders() {
        TaskConfig cfg = TaskConfig.load(layout.vqaYaml());
        VqaData.AnswerList answers = VqaData.AnswerList.load(cfg.path("answer_list"));
        assertEquals(data.answers(), answers.answers());
        List<VqaData.Question> train = VqaData.train(cfg.paths("train_file"), cfg.path("vqa_root"), cfg.path("vg_root"), cfg.dir(), answers);
        List<VqaItem> expected = data.questions(Split.TRAIN);
        assertEquals(expected.size(), train.size());
        for (int i = 0; i < train.size(); i++) {
            VqaData.Question q = train.get(i);
            VqaItem e = expected.get(i);
            assertEquals(e.questionId(), q.questionId());
            assertEquals(e.question(), q.question());
            assertEquals(Map.of(e.answer(), 1f), q.answerWeights(), "ten agreeing annotators: score 1");
            assertEquals(e.raw().contains("left") || e.raw().contains("right") || e.answer().contains("left") || e.answer().contains("right"),
                    q.noFlip(), "no horizontal flip for questions about left and right: " + e.raw());
            float[] t = VqaData.targets(q, answers, answers.size());
            assertEquals(1f, t[data.answerIndex(e.answer())]);
            assertSameImage(data.train().get(SyntheticData.questionImage(e)).image(), q.image());
        }
        List<VqaData.Question> test = VqaData.test(cfg.paths("test_file"), cfg.path("vqa_root"), cfg.path("vg_root"), cfg.dir());
        Map<Long, List<String>> refs = VqaData.referenceAnswers(cfg.paths("test_answers"));
        List<VqaItem> expectedTest = data.questions(Split.TEST);
        assertEquals(expectedTest.size(), test.size());
        assertEquals(expectedTest.size(), refs.size());
        assertTrue(VqaData.referenceAnswers(cfg.paths("test_file")).isEmpty(), "the test questions carry no answers, as the original's");
        for (int i = 0; i < test.size(); i++) {
            assertEquals(expectedTest.get(i).question(), test.get(i).question());
            assertEquals(java.util.Collections.nCopies(10, expectedTest.get(i).answer()), refs.get(test.get(i).questionId()));
        }
        assertEquals(answers.size(), cfg.integer("vqa_vocab", 0));
    }

    @Test
    void nlvrFilesReadBackThroughTheReader() {
        TaskConfig cfg = TaskConfig.load(layout.nlvrYaml());
        for (Split split : Split.values()) {
            List<NlvrData.Example> read = NlvrData.read(cfg.paths(split == Split.TRAIN ? "train_file" : "test_file"), cfg.path("image_root"));
            List<NlvrExample> expected = data.nlvr(split);
            assertEquals(expected.size(), read.size());
            for (int i = 0; i < read.size(); i++) {
                assertEquals(expected.get(i).sentence(), read.get(i).sentence());
                assertEquals(expected.get(i).label() ? 1 : 0, read.get(i).label());
                assertSameImage(expected.get(i).leftImage(), read.get(i).left());
                assertSameImage(expected.get(i).rightImage(), read.get(i).right());
            }
        }
        assertTrue(cfg.bool("biattn", false));
    }

    @Test
    void configsAndTokenizerLoad() throws Exception {
        for (Path yaml : List.of(layout.retrievalYaml(), layout.vqaYaml(), layout.nlvrYaml(), layout.pretrainYaml())) {
            TaskConfig cfg = TaskConfig.load(yaml);
            EveConfig model = cfg.modelConfig();
            assertEquals(SyntheticVocabulary.size(), model.vocabSize(), yaml.toString());
            assertEquals(SETTINGS.imageSize(), model.imageRes());
            assertEquals(32 / 16, model.gridSize());   // SyntheticExport.defaultPatchSize: 16 from 32 px up
            assertTrue(model.isMoeLayer(1) && model.isMoeLayer(3) && !model.isMoeLayer(0));
            Tokenizer tok = Tokenizers.load(cfg.path("text_encoder"));
            assertEquals(SyntheticVocabulary.size(), tok.vocabSize());
            assertEquals("[PAD]", tok.padToken());
            if (!yaml.equals(layout.nlvrYaml()))
                assertTrue(model.textLength() >= layout.stats().maxCaptionTokens() && model.textLength() % 8 == 0);
        }
        assertEquals(SyntheticVocabulary.tokenizerJson(), Files.readString(layout.tokenizer().resolve("tokenizer.json")));
        JsonNode tj = JSON.readTree(layout.tokenizer().resolve("tokenizer.json").toFile());
        assertEquals("BertProcessing", tj.get("post_processor").get("type").asText(), "[CLS] text [SEP], as bert-base-uncased");
        assertEquals("WordPiece", tj.get("model").get("type").asText());
    }

    @Test
    void pretrainPairsReadBackThroughTheReader() throws Exception {
        TaskConfig cfg = TaskConfig.load(layout.pretrainYaml());
        assertEquals(List.of(layout.pretrainPairs()), cfg.paths("train_file"));
        assertEquals(List.of(layout.pretrainTestPairs()), cfg.paths("test_file"));
        for (Split split : Split.values()) {
            Path file = split == Split.TRAIN ? layout.pretrainPairs() : layout.pretrainTestPairs();
            List<ImageText> expected = data.pairs(split);
            List<String> lines = Files.readAllLines(file);
            assertEquals(expected.size(), lines.size());
            for (String line : lines) assertEquals(2, JSON.readTree(line).size(), "{image, caption} per line: " + line);
            List<PretrainData.Pair> read = PretrainData.read(List.of(file), cfg.path("image_root"));
            assertEquals(expected.size(), read.size());
            for (int i = 0; i < read.size(); i++) {
                assertEquals(expected.get(i).text(), read.get(i).caption());
                assertSameImage(expected.get(i).image(), read.get(i).image());
            }
        }
    }

    @Test
    void summaryHoldsSettingsAndStats() throws Exception {
        JsonNode s = JSON.readTree(layout.summary().toFile());
        assertEquals(21, s.get("settings").get("seed").asLong());
        assertEquals(data.stats().vqaMajorityAccuracy(), s.get("stats").get("vqa_majority_acc").asDouble());
        assertEquals(data.stats(), layout.stats(), "the export computes the same statistics as the in-memory data set");
        assertFalse(s.get("stats").get("train_answers").isEmpty());
    }
}
