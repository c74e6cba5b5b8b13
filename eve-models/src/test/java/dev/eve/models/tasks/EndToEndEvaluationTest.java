package dev.eve.models.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.testing.Fixtures;
import dev.eve.models.cli.EveCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code eve run --evaluate} on the end-to-end fixtures reproduces what the ORIGINAL evaluation code
 * wrote: retrieval recalls (with and without re-rank), the VQA result files byte for byte, the
 * NLVR2 accuracy string (fixtures/e2e and its README).
 */
class EndToEndEvaluationTest {

    static Path dir(String task) {
        return Fixtures.path("fixtures/e2e/" + task + "/task.yaml").getParent();
    }

    static JsonNode run(Path out, String... args) throws Exception {
        String[] full = new String[args.length + 4];
        full[0] = "run";
        System.arraycopy(args, 0, full, 1, args.length);
        full[args.length + 1] = "--output_dir";
        full[args.length + 2] = out.toString();
        full[args.length + 3] = "--no-recipe";
        int code = EveCommand.execute(full);
        assertEquals(0, code, "eve run failed");
        Path[] files;
        try (var s = Files.list(out)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("eval_")).toArray(Path[]::new);
        }
        assertEquals(1, files.length);
        return new ObjectMapper().readTree(files[0].toFile());
    }

    @Test
    void retrievalRecallsWithAndWithoutRerank(@TempDir Path out) throws Exception {
        Path d = dir("retrieval");
        JsonNode got = run(out, "--task", "itr_coco", "--config", d.resolve("task.yaml").toString(),
                "--checkpoint", d.resolve("retrieval.pth").toString(), "--evaluate");
        JsonNode expected = new ObjectMapper().readTree(d.resolve("expected_metrics.json").toFile()).get("itm_eval");
        for (String kind : new String[] {"no_rerank", "rerank"}) {
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.get(kind).fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertEquals(e.getValue().asDouble(), got.get(kind).get(e.getKey()).asDouble(), 0.0, kind + "." + e.getKey());
            }
        }
    }

    @Test
    void vqaResultFilesAreByteIdentical(@TempDir Path out) throws Exception {
        Path d = dir("vqa");
        run(out, "--task", "vqa", "--config", d.resolve("task.yaml").toString(),
                "--checkpoint", d.resolve("vqa.pth").toString(), "--evaluate");
        for (String f : new String[] {"vqa_eval.json", "vqa_eval_rank0.json"})
            assertArrayEquals(Files.readAllBytes(d.resolve("result").resolve(f)), Files.readAllBytes(out.resolve("result").resolve(f)), f);
    }

    @Test
    void nlvrAccuracyString(@TempDir Path out) throws Exception {
        Path d = dir("nlvr");
        JsonNode got = run(out, "--task", "nlvr", "--config", d.resolve("task.yaml").toString(),
                "--checkpoint", d.resolve("nlvr.pth").toString(), "--evaluate");
        JsonNode expected = new ObjectMapper().readTree(d.resolve("expected.json").toFile());
        assertEquals("0.7500", got.get("acc").asText());
        assertEquals(expected.path("evaluate").path("acc").asText("0.7500"), got.get("acc").asText());
    }
}
