package dev.eve.models.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.models.data.synthetic.Settings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo pipeline end to end at a very small size: synthetic data written in the original
 * formats, masked-signal-modeling pre-training, then retrieval, VQA and NLVR2 fine-tuned from its
 * checkpoint through the same runner as {@code eve run}, and the report. The model must learn: the
 * pre-training loss falls, retrieval beats chance and VQA beats always answering the most frequent
 * answer. NLVR2 is only checked for a well-formed accuracy: its statements need the grounding of the
 * full demo's 1,440 pre-training steps (from 240 it stays near a coin, as it does from scratch), so
 * {@code .ci/run} runs the full {@code ./eve demo} and checks its bars, NLVR2 at least 0.6 among them.
 */
class EveDemoTest {

    @TempDir
    static Path out;

    static Map<String, Object> result;

    @BeforeAll
    static void runTheDemoSmall() throws Exception {
        Settings data = EveDemo.Config.defaults(out).data().withImages(256, 64).withNlvr(512, 128);
        result = EveDemo.run(new EveDemo.Config(out, data, 7, 4, 2, 3, 4, Map.of()));
        System.out.println("small demo: " + result);   // the margins, for whoever reads the CI log
    }

    private static double metric(String key) {
        Object v = result.get(key);
        assertTrue(v instanceof Number, key + " missing from " + result);
        double d = ((Number) v).doubleValue();
        assertTrue(d >= 0 && (d <= 1 || key.startsWith("pretrain_loss")), key + " = " + d + " is not a fraction");
        return d;
    }

    @Test
    void preTrainingLossFalls() {
        double first = metric("pretrain_loss_first"), last = metric("pretrain_loss_last");
        assertTrue(last < 0.85 * first, "pre-training loss " + first + " -> " + last);
    }

    @Test
    void everyTaskBeatsChance() {
        double chance = metric("itr_chance_r1");
        assertEquals(1.0 / 64, chance, 1e-12);
        assertTrue(metric("itr_tr_r1") + metric("itr_ir_r1") > 2 * chance, "retrieval R@1 at chance: " + result);
        assertTrue(metric("vqa_acc") > metric("vqa_majority_acc"), "VQA not above the majority answer: " + result);
        double nlvr = metric("nlvr_acc");
        assertTrue(nlvr > 0.3, "NLVR2 accuracy " + nlvr + " is far below a coin: " + result);
    }

    @Test
    void writesTheReportAndTheResultLine() throws Exception {
        Path report = Path.of((String) result.get("report"));
        assertTrue(Files.isRegularFile(report));
        String html = Files.readString(report);
        for (String png : List.of("pretrain_loss.png", "finetune_loss.png"))
            assertTrue(html.contains(png) && Files.size(report.resolveSibling(png)) > 1000, png);
        assertTrue(html.contains("expert"), "expert load section");
        Map<?, ?> line = new ObjectMapper().readValue(out.resolve("result.json").toFile(), Map.class);
        assertEquals(result.keySet(), line.keySet());
        for (String f : List.of("pretrain/metrics.jsonl", "retrieval/metrics.jsonl", "vqa/metrics.jsonl", "nlvr/metrics.jsonl"))
            assertTrue(Files.size(out.resolve(f)) > 0, f);
    }
}
