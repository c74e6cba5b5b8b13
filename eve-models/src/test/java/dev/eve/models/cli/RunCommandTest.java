package dev.eve.models.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every invalid flag of {@code eve run} gets a one-line error and a non-zero exit. */
class RunCommandTest {

    static String fail(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = EveCommand.execute(args);
        } finally {
            System.setErr(old);
        }
        String text = err.toString(StandardCharsets.UTF_8).strip();
        assertTrue(code != 0, "expected a failure for " + String.join(" ", args));
        assertFalse(text.contains("\tat "), "no stack trace: " + text);
        return text;
    }

    @Test
    void invalidFlagsAreNamed(@TempDir Path tmp) {
        String out = tmp.toString(), cfg = tmp.resolve("missing.yaml").toString();
        assertTrue(fail("run", "--task", "captioning", "--config", cfg, "--output_dir", out).contains("--task must be one of"));
        assertTrue(fail("run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--bs", "0").contains("--bs must be positive"));
        assertTrue(fail("run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--lr", "-1").contains("--lr must be positive"));
        assertTrue(fail("run", "--task", "nlvr", "--config", cfg, "--output_dir", out, "--augmentation", "fancy").contains("unknown augmentation 'fancy'"));
        assertTrue(fail("run", "--task", "nlvr", "--config", cfg, "--output_dir", out, "--dist", "cuda:0").contains("no CUDA backend"));
        assertTrue(fail("run", "--task", "nlvr", "--config", cfg, "--output_dir", out, "--dist", "cpu:x").contains("--dist must be"));
        assertTrue(fail("run", "--task", "nlvr", "--config", cfg, "--output_dir", out, "--device", "tpu").contains("--device: bad device 'tpu'"));
        String noCuda = fail("run", "--task", "nlvr", "--config", cfg, "--output_dir", out, "--device", "cuda:1");
        assertTrue(noCuda.contains("no backend for device cuda:1") && noCuda.contains("eve-cuda"), noCuda);
        assertTrue(fail("run", "--task", "itr_coco", "--config", cfg, "--output_dir", out, "--k_test", "-3").contains("--k_test must be >= 0"));
        assertTrue(fail("run", "--task", "vqa", "--config", cfg, "--output_dir", out).contains("missing.yaml: no such file"));
        String unknown = fail("run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--colour");
        assertTrue(unknown.contains("--colour"), unknown);
    }

    @Test
    void replicasFromDist() {
        assertEquals(1, RunCommand.replicas("all"));
        assertEquals(3, RunCommand.replicas("cpu:3"));
    }
}
