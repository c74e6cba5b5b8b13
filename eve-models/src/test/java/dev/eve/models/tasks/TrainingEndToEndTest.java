package dev.eve.models.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.io.SafeTensors;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each task end to end on tiny data sets in the real file formats with real images: a few training
 * steps from the fixture checkpoints, evaluation, checkpoints, exact resume, and an unreadable image
 * that is skipped without ending the epoch.
 */
class TrainingEndToEndTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static Path fixture(String task) {
        return EndToEndEvaluationTest.dir(task);
    }

    /** A task YAML in dir whose paths point at the fixture folder (absolute), plus extra lines. */
    static Path yaml(Path dir, String task, String body) throws Exception {
        Path f = fixture(task);
        String text = "vlmo_config: '" + f.resolve("config.json") + "'\n"
                + "text_encoder: '" + f.resolve("tokenizer") + "'\n"
                + "image_res: 64\npatch_size: 16\n" + body
                + "optimizer: {opt: adamW, lr: 1e-4, weight_decay: 0.01, lr_mult: 2}\n"
                + "schedular: {sched: linear, lr: 1e-4, epochs: 2, num_warmup_steps: 0.1}\n"
                + "accelerator: {RNG_SEED: 42, GRAD_ACCUMULATE_STEPS: 1, CLIP_GRAD_NORM: 3.0}\n";
        Path y = dir.resolve(task + ".yaml");
        Files.writeString(y, text);
        return y;
    }

    static TaskRunner.Options options(String task, Path yaml, Path checkpoint, Path out, int bs, int epochs, boolean resume, int replicas) {
        return options(task, yaml, checkpoint, out, bs, epochs, resume, replicas, 0);
    }

    static TaskRunner.Options options(String task, Path yaml, Path checkpoint, Path out, int bs, int epochs, boolean resume,
                                      int replicas, int stopAfter) {
        return new TaskRunner.Options(task, yaml, checkpoint, out, null, "rand", bs, null, null, null, null, false, null, epochs,
                7L, resume, replicas, false, Trainer.NonFinite.STOP, 0, stopAfter);
    }

    /** Copies a fixture image folder into {@code target}. */
    static void copyImages(Path from, Path target) throws Exception {
        Files.createDirectories(target);
        try (var files = Files.list(from)) {
            for (Path p : files.toList()) Files.copy(p, target.resolve(p.getFileName()));
        }
    }

    /** Retrieval training pairs over the fixture images (copied to dir/images), plus one unreadable file. */
    static Path retrievalTrain(Path dir) throws Exception {
        copyImages(fixture("retrieval").resolve("images"), dir.resolve("images"));
        Files.writeString(dir.resolve("images/broken.jpg"), "this is not a JPEG");
        List<Map<String, Object>> pairs = new ArrayList<>();
        String[] files = {"astronaut.jpg", "chelsea.jpg", "coins.png", "horse.png", "rocket.jpg", "page.jpg", "phantom.png", "color.png"};
        for (int i = 0; i < files.length; i++) {
            pairs.add(Map.of("image", files[i], "caption", "a photo number " + i + " of " + files[i], "image_id", i));
            pairs.add(Map.of("image", files[i], "caption", "another caption for " + files[i], "image_id", i));
        }
        pairs.add(Map.of("image", "broken.jpg", "caption", "an unreadable image", "image_id", 99));
        Path train = dir.resolve("train.json");
        JSON.writeValue(train.toFile(), pairs);
        return train;
    }

    @Test
    void retrievalTrainsEvaluatesAndResumesExactly(@TempDir Path dir) throws Exception {
        Path train = retrievalTrain(dir);
        Path y = yaml(dir, "retrieval", "train_file: ['" + train + "']\ntest_file: '" + fixture("retrieval").resolve("test.json") + "'\n"
                + "image_root: 'images/'\nbatch_size_test: 3\nbatch_size_test_text: 8\nmax_tokens: 16\npairs: {max_tokens: 16}\n"
                + "itc_type: ['fusion']\nk_test: 2\n");
        Path ckpt = fixture("retrieval").resolve("retrieval.pth");

        Path straight = dir.resolve("straight");
        Map<String, Object> summary = TaskRunner.run(options("itr_coco", y, ckpt, straight, 4, 2, false, 1));
        assertEquals(2, summary.get("epochs"));
        assertEquals(8L, ((Number) summary.get("steps")).longValue(), "17 pairs / batch 4 -> 4 steps per epoch, 2 epochs");
        JsonNode eval = JSON.readTree(straight.resolve("eval_itr_coco.json").toFile());
        assertTrue(eval.has("no_rerank") && eval.has("rerank"), eval.toString());
        assertTrue(Files.exists(straight.resolve("model_best.safetensors")));
        List<String> metrics = Files.readAllLines(straight.resolve("metrics.jsonl"));
        assertEquals(10, metrics.size(), "8 steps and 2 evaluations");
        for (String line : metrics.subList(0, 4)) assertTrue(JSON.readTree(line).get("loss").isNumber(), line);
        double skipped = 0;
        for (String line : metrics) skipped = Math.max(skipped, JSON.readTree(line).path("images_skipped").asDouble(0));
        assertTrue(skipped >= 1, "the unreadable image is counted in the metrics");

        // One epoch, then resume for the second: same final parameters as the straight run.
        Path resumed = dir.resolve("resumed");
        TaskRunner.run(options("itr_coco", y, ckpt, resumed, 4, 2, false, 1, 1));   // interrupted after epoch 1
        TaskRunner.run(options("itr_coco", y, ckpt, resumed, 4, 2, true, 1));
        Map<String, Tensor> a = SafeTensors.load(straight.resolve("checkpoint_latest.safetensors"));
        Map<String, Tensor> b = SafeTensors.load(resumed.resolve("checkpoint_latest.safetensors"));
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet())
            if (a.get(k).dtype().isFloating()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
    }

    @Test
    void vqaAndNlvrTrainAndEvaluate(@TempDir Path dir) throws Exception {
        Path v = fixture("vqa");
        copyImages(v.resolve("images"), dir.resolve("images"));   // the gqa entry names images/coffee.jpg relative to the YAML
        Path vy = yaml(dir, "vqa", "train_file: ['" + v.resolve("train.json") + "', '" + v.resolve("train.json") + "']\n"
                + "test_file: ['" + v.resolve("test.json") + "']\nanswer_list: '" + v.resolve("answer_list.json") + "'\n"
                + "test_answers: ['" + v.resolve("test_answers.json") + "']\n"
                + "vqa_root: '" + v.resolve("images") + "'\nvg_root: '" + v.resolve("vg") + "'\n"
                + "batch_size_test: 6\nmax_tokens: 16\npairs: {max_tokens: 16}\n");
        Map<String, Object> vs = TaskRunner.run(options("vqa", vy, v.resolve("vqa.pth"), dir.resolve("vqa-out"), 4, 1, false, 2));
        assertEquals(2L, ((Number) vs.get("steps")).longValue(), "10 questions / batch 4 -> 2 steps");
        assertTrue(Files.exists(dir.resolve("vqa-out/result/vqa_eval.json")));
        double acc = JSON.readTree(dir.resolve("vqa-out/eval_vqa.json").toFile()).get("vqa_accuracy").asDouble();
        assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);

        Path n = fixture("nlvr");
        Path ny = yaml(dir, "nlvr", "train_file: ['" + n.resolve("test.json") + "']\ntest_file: ['" + n.resolve("test.json") + "']\n"
                + "image_root: '" + n.resolve("images") + "'\nbatch_size: 5\nbiattn: True\n");
        Map<String, Object> ns = TaskRunner.run(options("nlvr", ny, n.resolve("nlvr.pth"), dir.resolve("nlvr-out"), 4, 1, false, 1));
        assertEquals(3L, ((Number) ns.get("steps")).longValue(), "12 statements / batch 4 -> 3 steps");
        String accText = JSON.readTree(dir.resolve("nlvr-out/eval_nlvr.json").toFile()).get("acc").asText();
        assertTrue(accText.matches("[01]\\.\\d{4}"), accText);
    }
}
