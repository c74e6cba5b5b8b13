package dev.eve.models.cli;

import dev.eve.core.io.SafeTensors;
import dev.eve.core.tensor.Tensor;
import dev.eve.core.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code eve features} end to end on the fixture checkpoints, and its errors. */
class FeaturesCommandTest {

    static Path dir(String c) {
        return Fixtures.path("fixtures/eve/" + c + "/config.json").getParent();
    }

    /** Runs the CLI; returns {exit code, stderr}. */
    static Object[] run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = EveCommand.execute(args);
            return new Object[] {code, err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(old);
        }
    }

    static double maxRelError(Tensor e, Tensor a) {
        float[] x = e.toFloatArray(), y = a.toFloatArray();
        double scale = 1, err = 0;
        for (int i = 0; i < x.length; i++) {
            scale = Math.max(scale, Math.abs(x[i]));
            err = Math.max(err, Math.abs(x[i] - y[i]));
        }
        return err / scale;
    }

    @Test
    void writesTheFixtureTensorsFromAPthCheckpoint(@TempDir Path tmp) {
        Path out = tmp.resolve("features.safetensors");
        Path pth = Fixtures.path("fixtures/eve/tiny-top2/retrieval.pth");
        Object[] r = run("features", "--config", dir("tiny-top2").resolve("config.json").toString(), "--checkpoint", pth.toString(),
                "--inputs", dir("tiny-top2").resolve("inputs.safetensors").toString(), "--out", out.toString());
        assertEquals(0, r[0], (String) r[1]);
        Map<String, Tensor> got = SafeTensors.load(out);
        Map<String, Tensor> expected = SafeTensors.load(dir("tiny-top2").resolve("expected.safetensors"));
        String[] required = {"vision.embed", "text.layer.3", "vl.out", "vl.moe.2.expert1", "vl.moe.3.kept2", "text.moe.2.weight1",
                "vision.moe.3.exp_counts", "vl.moe.2.l_aux", "retrieval.eval.vision_cls_norm", "retrieval.eval.text_cls_norm",
                "retrieval.itm_logits"};
        for (String k : required) {
            assertTrue(got.containsKey(k), "missing " + k);
            if (expected.get(k).dtype().isInteger()) assertArrayEquals(expected.get(k).toLongArray(), got.get(k).toLongArray(), k);
            else assertTrue(maxRelError(expected.get(k), got.get(k)) <= 1e-4, k);
        }
        for (Tensor t : got.values()) assertTrue(t.dtype().name().equals("F32") || t.dtype().name().equals("I64"));
    }

    @Test
    void detectsVqaAndNlvrHeads(@TempDir Path tmp) {
        for (String task : new String[] {"vqa", "nlvr"}) {
            Path out = tmp.resolve(task + ".safetensors");
            Object[] r = run("features", "--config", dir("tiny-capacity").resolve("config.json").toString(),
                    "--checkpoint", dev.eve.models.eve.EveFixtureTestAccess.checkpoint("tiny-capacity", task).toString(),
                    "--inputs", dir("tiny-capacity").resolve("inputs.safetensors").toString(), "--out", out.toString());
            assertEquals(0, r[0], (String) r[1]);
            Tensor logits = SafeTensors.load(out).get(task + ".logits");
            Tensor expected = SafeTensors.load(dir("tiny-capacity").resolve("expected.safetensors")).get(task + ".logits");
            assertTrue(maxRelError(expected, logits) <= 1e-4, task);
        }
    }

    /** Runs with a modified inputs file and returns the one-line error. */
    static String failure(Path tmp, Map<String, Tensor> inputs) {
        Path in = tmp.resolve("bad-inputs.safetensors");
        SafeTensors.save(in, inputs);
        Path out = tmp.resolve("never.safetensors");
        Object[] r = run("features", "--config", dir("tiny-top2").resolve("config.json").toString(),
                "--checkpoint", dev.eve.models.eve.EveFixtureTestAccess.checkpoint("tiny-top2", "vqa").toString(),
                "--inputs", in.toString(), "--out", out.toString());
        assertEquals(1, r[0]);
        String err = ((String) r[1]).strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertFalse(err.contains("Exception"), "no stack trace: " + err);
        assertFalse(Files.exists(out), "nothing written");
        return err;
    }

    @Test
    void badInputsAndCheckpointsGiveOneLineErrors(@TempDir Path tmp) {
        Map<String, Tensor> good = SafeTensors.load(dir("tiny-top2").resolve("inputs.safetensors"));

        Map<String, Tensor> noAtts = new LinkedHashMap<>(good);
        noAtts.remove("text_atts");
        assertTrue(failure(tmp, noAtts).contains("text_atts"));

        Map<String, Tensor> wrongImage = new LinkedHashMap<>(good);
        wrongImage.put("image", Tensor.zeros(3, 3, 16, 16));
        assertTrue(failure(tmp, wrongImage).contains("[3, 3, 16, 16]"));

        Map<String, Tensor> badIds = new LinkedHashMap<>(good);
        badIds.put("text_ids", good.get("text_ids").add(5000));
        assertTrue(failure(tmp, badIds).contains("outside the vocabulary"));

        // A checkpoint of another configuration: tiny-capacity has a different shape somewhere? use a foreign file.
        Path foreign = tmp.resolve("foreign.safetensors");
        SafeTensors.save(foreign, Map.of("backbone.word_embedding.weight", Tensor.zeros(7, 3)));
        Object[] r = run("features", "--config", dir("tiny-top2").resolve("config.json").toString(), "--checkpoint", foreign.toString(),
                "--task", "vqa", "--inputs", dir("tiny-top2").resolve("inputs.safetensors").toString(), "--out", tmp.resolve("x").toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[1]).contains("does not fit the config"), (String) r[1]);
        assertTrue(((String) r[1]).contains("backbone.word_embedding.weight: expected [1000, 64], got [7, 3]"), (String) r[1]);

        Object[] missing = run("features", "--config", tmp.resolve("nope.json").toString(), "--checkpoint", foreign.toString(),
                "--inputs", foreign.toString(), "--out", tmp.resolve("y").toString());
        assertEquals(1, missing[0]);
        assertTrue(((String) missing[1]).contains("nope.json: no such file"), (String) missing[1]);
    }
}
