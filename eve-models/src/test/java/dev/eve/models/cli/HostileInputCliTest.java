package dev.eve.models.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.io.SafeTensors;
import dev.eve.core.tensor.Tensor;
import dev.eve.core.testing.Fixtures;
import dev.eve.models.config.EveConfig;
import dev.eve.models.eve.EveCheckpoint;
import dev.eve.models.train.MetricsLog;
import dev.eve.models.train.TrainingCheckpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input at every entry point of the command line, run in process: each gets one line on
 * stderr, {@code error: ...} naming the culprit, and a non-zero exit (2 for a wrong command line, 1
 * for everything found while running), never a stack trace unless {@code --debug} is given. The
 * README's "Hostile inputs" section summarises the same cases.
 */
class HostileInputCliTest {

    record Result(int code, String out, String err) {
        /** stderr without the log lines of the run ({@code [main] INFO ...}) and progress bars. */
        List<String> errorLines() {
            return Arrays.stream(err.split("\\R")).map(String::strip).filter(l -> !l.isEmpty())
                    .filter(l -> !l.startsWith("[main] ") && !l.contains(" step (")).toList();
        }
    }

    static final List<String[]> TABLE = new ArrayList<>();

    static Result cli(String... args) {
        PrintStream oldErr = System.err, oldOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream(), out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = EveCommand.execute(args);
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Runs a hostile command line: exit {@code code}, exactly one {@code error:} line that contains
     * every one of {@code culprits}, no stack trace. Records the case for the table.
     */
    static String fails(String input, int code, String[] args, String... culprits) {
        Result r = cli(args);
        List<String> lines = r.errorLines();
        assertEquals(code, r.code(), input + ": exit code; stderr: " + r.err());
        assertEquals(1, lines.size(), input + ": one line, got: " + r.err());
        String line = lines.get(0);
        assertTrue(line.startsWith("error: "), input + ": " + line);
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), input + ": no stack trace: " + r.err());
        for (String c : culprits) assertTrue(line.contains(c), input + ": '" + c + "' named in: " + line);
        TABLE.add(new String[] {input, line, Integer.toString(code)});
        return line;
    }

    static Path e2e(String task) {
        return Fixtures.path("fixtures/e2e/" + task + "/task.yaml").getParent();
    }

    /** A retrieval task YAML (paths absolute) over the e2e fixture; {@code extra} is appended (later keys win). */
    static Path yaml(Path dir, String name, String vlmoConfig, String trainFile, String testFile, String extra) throws Exception {
        Path f = e2e("retrieval");
        String text = "vlmo_config: '" + vlmoConfig + "'\n"
                + "text_encoder: '" + f.resolve("tokenizer") + "'\n"
                + "image_res: 64\npatch_size: 16\n"
                + "train_file: ['" + trainFile + "']\ntest_file: '" + testFile + "'\nimage_root: '" + f.resolve("images") + "/'\n"
                + "batch_size_test: 4\nbatch_size_test_text: 8\nmax_tokens: 16\npairs: {max_tokens: 16}\nitc_type: ['fusion']\nk_test: 0\n"
                + "optimizer: {opt: adamW, lr: 1e-4, weight_decay: 0.01, lr_mult: 2}\n"
                + "schedular: {sched: linear, lr: 1e-4, epochs: 1, num_warmup_steps: 0.1}\n"
                + "accelerator: {RNG_SEED: 42, GRAD_ACCUMULATE_STEPS: 1, CLIP_GRAD_NORM: 3.0}\n" + extra;
        Path y = dir.resolve(name + ".yaml");
        Files.writeString(y, text);
        return y;
    }

    static Path yaml(Path dir, String name, String extra) throws Exception {
        Path f = e2e("retrieval");
        return yaml(dir, name, f.resolve("config.json").toString(), f.resolve("test.json").toString(), f.resolve("test.json").toString(), extra);
    }

    /** The e2e model config with some keys replaced. */
    static Path modelConfig(Path dir, String name, Map<String, Object> changes) throws Exception {
        ObjectMapper json = new ObjectMapper();
        @SuppressWarnings("unchecked")
        Map<String, Object> c = json.readValue(e2e("retrieval").resolve("config.json").toFile(), LinkedHashMap.class);
        c.putAll(changes);
        Path p = dir.resolve(name + ".json");
        json.writeValue(p.toFile(), c);
        return p;
    }

    static String[] run(Path config, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("run", "--task", "itr_coco", "--config", config.toString(), "--output_dir", out.toString(),
                "--no-recipe"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    // ------------------------------------------------------------------------------- command line

    @Test
    void wrongCommandLinesAreUsageErrors(@TempDir Path tmp) {
        String out = tmp.resolve("out").toString(), cfg = tmp.resolve("task.yaml").toString();
        fails("unknown option (top level)", 2, new String[] {"--colour"}, "Unknown option: '--colour'", "eve --help");
        fails("unknown option (subcommand)", 2, new String[] {"run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--colour"},
                "Unknown option: '--colour'", "eve run --help");
        fails("unknown subcommand", 2, new String[] {"train"}, "train");
        fails("missing required option", 2, new String[] {"run", "--task", "vqa"}, "--config", "--output_dir");
        fails("--bs -3", 2, new String[] {"run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--bs", "-3"},
                "--bs must be positive, got -3");
        fails("--lr abc", 2, new String[] {"run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--lr", "abc"},
                "--lr", "'abc' is not a double");
        fails("--lr Infinity", 2, new String[] {"run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--lr", "Infinity"},
                "--lr must be positive and finite");
        fails("--epochs 1.5", 2, new String[] {"run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--epochs", "1.5"},
                "--epochs", "'1.5' is not an int");
        fails("unknown task", 2, new String[] {"run", "--task", "captioning", "--config", cfg, "--output_dir", out},
                "--task must be one of", "captioning");
        fails("--augmentation fancy", 2, new String[] {"run", "--task", "nlvr", "--config", cfg, "--output_dir", out, "--augmentation", "fancy"},
                "fancy");
        fails("--dist cuda:0 (no GPU backend)", 2, new String[] {"run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--dist", "cuda:0"},
                "no CUDA backend");
        fails("--checkpoint-every -1", 2, new String[] {"run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--checkpoint-every", "-1"},
                "--checkpoint-every must be >= 0");
        fails("bench: unknown preset", 1, new String[] {"bench", "--preset", "huge"}, "unknown preset 'huge'");
    }

    @Test
    void debugShowsTheStackTraceTheDefaultDoesNot(@TempDir Path tmp) {
        String[] args = {"run", "--task", "vqa", "--config", tmp.resolve("none.yaml").toString(), "--output_dir", tmp.toString()};
        Result plain = cli(args);
        assertEquals(1, plain.code());
        assertFalse(plain.err().contains("\tat "), plain.err());
        for (String[] debug : new String[][] {prepend("--debug", args), append(args, "--debug")}) {
            Result r = cli(debug);
            assertEquals(1, r.code());
            assertTrue(r.err().contains("\tat dev.eve.models"), "stack trace with --debug: " + r.err());
            assertTrue(r.err().strip().endsWith("error: " + tmp.resolve("none.yaml") + ": no such file"), r.err());
        }
        TABLE.add(new String[] {"any error with `--debug` (before or after the subcommand)", "the stack trace, then the same `error:` line",
                "same"});
    }

    static String[] prepend(String first, String[] rest) {
        String[] a = new String[rest.length + 1];
        a[0] = first;
        System.arraycopy(rest, 0, a, 1, rest.length);
        return a;
    }

    static String[] append(String[] first, String last) {
        String[] a = Arrays.copyOf(first, first.length + 1);
        a[first.length] = last;
        return a;
    }

    // ------------------------------------------------------------------------------- configs

    @Test
    void badConfigsAreNamed(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        fails("config file missing", 1, run(tmp.resolve("missing.yaml"), out), "missing.yaml: no such file");

        Path notYaml = tmp.resolve("garbage.yaml");
        Files.writeString(notYaml, "{{{ : [\n  - x: : :\n");
        fails("config is not YAML", 1, run(notYaml, out), "garbage.yaml", "not a valid YAML task config");

        Path list = tmp.resolve("list.yaml");
        Files.writeString(list, "[1, 2, 3]\n");
        fails("config is YAML but not a mapping", 1, run(list, out), "list.yaml", "must be a mapping");

        fails("config key of the wrong type (batch_size_train: abc)", 1,
                run(yaml(tmp, "wrongtype", "batch_size_train: abc\n"), out), "wrongtype.yaml", "batch_size_train must be a number, got 'abc'");
        fails("config section of the wrong type (optimizer: 5)", 1,
                run(yaml(tmp, "section", "optimizer: 5\n"), out), "section.yaml", "optimizer must be a mapping");
        fails("config names a model config that does not exist", 1,
                run(yaml(tmp, "novlmo", "vlmo_config: 'nowhere.json'\n"), out), "vlmo_config 'nowhere.json' not found");
        fails("config names a tokenizer that does not exist", 1,
                run(yaml(tmp, "notok", "text_encoder: '" + tmp.resolve("no-tokenizer") + "'\n"), out), "no-tokenizer");

        Path f = e2e("retrieval");
        Path heads = modelConfig(tmp, "heads5", Map.of("num_attention_heads", 5));
        fails("model config with contradictory keys (width 64, 5 heads)", 1,
                run(yaml(tmp, "contradictory", heads.toString(), f.resolve("test.json").toString(), f.resolve("test.json").toString(), ""), out),
                "vision_width 64 must be a positive multiple of num_attention_heads 5");
        Path topk = modelConfig(tmp, "topk9", Map.of("moe_param", Map.of("num_experts", 8, "topk", 9, "type_route", true)));
        fails("model config: MoE top-k larger than allowed", 1,
                run(yaml(tmp, "topk", topk.toString(), f.resolve("test.json").toString(), f.resolve("test.json").toString(), ""), out),
                "moe_param.topk must be 1 or 2, got 9");
        Path vocab = modelConfig(tmp, "vocab100", Map.of("vocab_size", 100));
        fails("tokenizer bigger than the model's vocab_size (token ids out of range)", 1,
                run(yaml(tmp, "vocab", vocab.toString(), f.resolve("test.json").toString(), f.resolve("test.json").toString(), ""), out),
                "tokenizer.json has 8000 ids but the model's vocab_size is 100");
        fails("train file missing", 1,
                run(yaml(tmp, "notrain", f.resolve("config.json").toString(), tmp.resolve("train-missing.json").toString(),
                        f.resolve("test.json").toString(), ""), out), "train-missing.json");
    }

    // ------------------------------------------------------------------------------- output folder

    @Test
    void unusableOutputFoldersFailBeforeAnyWork(@TempDir Path tmp) throws Exception {
        Path y = yaml(tmp, "task", "");
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        fails("--output_dir is a file", 1, run(y, file), "--output_dir " + file, "exists and is not a directory");
        fails("--output_dir inside a file", 1, run(y, file.resolve("out")), "--output_dir " + file.resolve("out"), "cannot create it");
        fails("--output_dir where nothing can be created (/proc)", 1, run(y, Path.of("/proc/eve-out")), "--output_dir /proc/eve-out");
        Path ro = tmp.resolve("read-only");
        Files.createDirectories(ro);
        assertTrue(ro.toFile().setWritable(false, false));
        try {
            if (!Files.isWritable(ro)) {   // not when running as root: permissions do not stop root
                fails("--output_dir not writable (chmod a-w)", 1, run(y, ro), "--output_dir " + ro, "not writable");
            }
        } finally {
            assertTrue(ro.toFile().setWritable(true, false));
        }
    }

    // ------------------------------------------------------------------------------- checkpoints

    @Test
    void checkpointsThatDoNotFitOrAreBrokenAreNamed(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        Path y = yaml(tmp, "task", "");
        Path pth = e2e("retrieval").resolve("retrieval.pth");

        fails("--checkpoint missing", 1, run(y, out, "--checkpoint", tmp.resolve("none.pth").toString()), "none.pth");

        Path truncated = tmp.resolve("truncated.pth");
        byte[] bytes = Files.readAllBytes(pth);
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        fails("--checkpoint truncated (.pth)", 1, run(y, out, "--checkpoint", truncated.toString()), "truncated.pth", "truncated or corrupt");

        EveConfig config = EveConfig.load(e2e("retrieval").resolve("config.json"));
        Map<String, Tensor> state = new LinkedHashMap<>(EveCheckpoint.read(pth, config));
        Path st = tmp.resolve("good.safetensors");
        SafeTensors.save(st, state);
        byte[] stBytes = Files.readAllBytes(st);
        Path truncatedSt = tmp.resolve("truncated.safetensors");
        Files.write(truncatedSt, Arrays.copyOf(stBytes, stBytes.length - 1000));
        fails("--checkpoint truncated (.safetensors)", 1, run(y, out, "--checkpoint", truncatedSt.toString()), "truncated.safetensors");

        Path notACheckpoint = tmp.resolve("notes.pth");
        Files.writeString(notACheckpoint, "these are my notes, not a checkpoint\n");
        fails("--checkpoint is not a checkpoint", 1, run(y, out, "--checkpoint", notACheckpoint.toString()), "notes.pth");

        Map<String, Tensor> wrong = new LinkedHashMap<>(state);
        wrong.put("backbone.word_embedding.weight", Tensor.zeros(7, 64));
        Path misfit = tmp.resolve("misfit.safetensors");
        SafeTensors.save(misfit, wrong);
        fails("--checkpoint whose shapes do not fit the config", 1, run(y, out, "--checkpoint", misfit.toString()),
                "misfit.safetensors does not fit the config", "backbone.word_embedding.weight: expected [8000, 64], got [7, 64]");

        Path narrow = modelConfig(tmp, "narrow", Map.of("vision_width", 32, "intermediate_size", 64));
        Path f = e2e("retrieval");
        fails("--checkpoint of a wider model than the config", 1,
                run(yaml(tmp, "narrow", narrow.toString(), f.resolve("test.json").toString(), f.resolve("test.json").toString(), ""), out,
                        "--checkpoint", pth.toString()), "retrieval.pth", "backbone.pos_embed_vision has shape [17, 64]", "width is 32");

        // --resume with a checkpoint_latest that is broken, or from another configuration (training
        // needs image ids, which the evaluation file does not have).
        Path trainFile = tmp.resolve("train.json");
        Files.writeString(trainFile, "[{\"image\": \"astronaut.jpg\", \"caption\": \"an astronaut\", \"image_id\": 0},"
                + " {\"image\": \"astronaut.jpg\", \"caption\": \"a portrait\", \"image_id\": 0},"
                + " {\"image\": \"astronaut.jpg\", \"caption\": \"an orange suit\", \"image_id\": 0},"
                + " {\"image\": \"astronaut.jpg\", \"caption\": \"a helmet\", \"image_id\": 0}]");
        y = yaml(tmp, "train", e2e("retrieval").resolve("config.json").toString(), trainFile.toString(),
                e2e("retrieval").resolve("test.json").toString(), "");
        Path resumeDir = tmp.resolve("resume");
        Files.createDirectories(resumeDir);
        Path latest = resumeDir.resolve("checkpoint_latest.safetensors");
        Files.write(latest, Arrays.copyOf(stBytes, 100));
        fails("--resume with a truncated checkpoint_latest", 1, run(y, resumeDir, "--resume", "--bs", "4"), "checkpoint_latest.safetensors");

        Map<String, Tensor> training = new LinkedHashMap<>();
        wrong.forEach((k, v) -> training.put("model." + k, v));
        SafeTensors.save(latest, training, Map.of("format", TrainingCheckpoint.FORMAT,
                "state", "{\"epoch\":1,\"step\":0,\"global_step\":4,\"info\":{\"task\":\"itr_coco\"}}"));
        fails("--resume with a checkpoint_latest of another model", 1, run(y, resumeDir, "--resume", "--bs", "4"),
                "checkpoint_latest.safetensors", "backbone.word_embedding.weight: expected [8000, 64], got [7, 64]");
    }

    // ------------------------------------------------------------------------------- images

    @Test
    void aMissingImageIsCountedInTrainingAndNamedInEvaluation(@TempDir Path tmp) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path train = tmp.resolve("train.json");
        json.writeValue(train.toFile(), List.of(
                Map.of("image", "astronaut.jpg", "caption", "a woman in an orange suit", "image_id", 0),
                Map.of("image", "chelsea.jpg", "caption", "a tabby cat", "image_id", 1),
                Map.of("image", "vanished.jpg", "caption", "an image that is not there", "image_id", 2),
                Map.of("image", "coins.png", "caption", "old coins in rows", "image_id", 3)));
        Path test = tmp.resolve("test.json");
        json.writeValue(test.toFile(), List.of(Map.of("image", "horse.png", "caption", List.of("a horse")),
                Map.of("image", "rocket.jpg", "caption", List.of("a rocket"))));
        Path f = e2e("retrieval");
        Path y = yaml(tmp, "task", f.resolve("config.json").toString(), train.toString(), test.toString(), "");
        Path out = tmp.resolve("out");
        Result r = cli(run(y, out, "--bs", "4", "--checkpoint", f.resolve("retrieval.pth").toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("vanished.jpg"), "the skipped image is named in a warning: " + r.err());
        double skipped = 0;
        for (Map<String, Object> row : MetricsLog.read(out.resolve("metrics.jsonl")))
            if (row.get("images_skipped") instanceof Number n) skipped = Math.max(skipped, n.doubleValue());
        assertEquals(1.0, skipped, "counted in the metrics");
        TABLE.add(new String[] {"training image missing", "a warning naming the file; the epoch goes on and `images_skipped` counts it in metrics.jsonl", "0"});

        Path badTest = tmp.resolve("test-missing.json");
        json.writeValue(badTest.toFile(), List.of(Map.of("image", "horse.png", "caption", List.of("a horse")),
                Map.of("image", "nowhere.jpg", "caption", List.of("a lost image"))));
        Path ey = yaml(tmp, "eval", f.resolve("config.json").toString(), train.toString(), badTest.toString(), "");
        fails("evaluation image missing", 1, run(ey, tmp.resolve("eval-out"), "--evaluate", "--checkpoint", f.resolve("retrieval.pth").toString()),
                "cannot decode image", "nowhere.jpg", "no such file");
    }

    // ------------------------------------------------------------------------------- features / tokenize

    @Test
    void featuresAndTokenizeInputs(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("fixtures/eve/tiny-top2/config.json").getParent();
        Path ckpt = Fixtures.path("fixtures/eve/tiny-top2/retrieval.pth");
        Map<String, Tensor> good = SafeTensors.load(dir.resolve("inputs.safetensors"));
        String config = dir.resolve("config.json").toString();

        Map<String, Tensor> wrongImage = new LinkedHashMap<>(good);
        wrongImage.put("image", Tensor.zeros(good.get("image").size(0), 3, 48, 48));
        Path in = tmp.resolve("wrong-size.safetensors");
        SafeTensors.save(in, wrongImage);
        fails("features: image of the wrong size", 1,
                new String[] {"features", "--config", config, "--checkpoint", ckpt.toString(), "--inputs", in.toString(), "--out", tmp.resolve("o").toString()},
                "image", "48, 48]");

        Map<String, Tensor> badIds = new LinkedHashMap<>(good);
        badIds.put("text_ids", good.get("text_ids").add(5000));
        Path ids = tmp.resolve("bad-ids.safetensors");
        SafeTensors.save(ids, badIds);
        fails("features: token ids out of range", 1,
                new String[] {"features", "--config", config, "--checkpoint", ckpt.toString(), "--inputs", ids.toString(), "--out", tmp.resolve("o").toString()},
                "outside the vocabulary");

        fails("features: inputs file missing", 1,
                new String[] {"features", "--config", config, "--checkpoint", ckpt.toString(), "--inputs", tmp.resolve("none.safetensors").toString(),
                        "--out", tmp.resolve("o").toString()}, "none.safetensors: no such file");
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        fails("features: --out inside a file", 1,
                new String[] {"features", "--config", config, "--checkpoint", ckpt.toString(), "--inputs", dir.resolve("inputs.safetensors").toString(),
                        "--out", file.resolve("f.safetensors").toString()}, "cannot write " + file.resolve("f.safetensors"), "exists and is not a directory");
        fails("features: unknown --task", 1,
                new String[] {"features", "--config", config, "--checkpoint", ckpt.toString(), "--inputs", dir.resolve("inputs.safetensors").toString(),
                        "--out", tmp.resolve("o").toString(), "--task", "captioning"}, "unknown task 'captioning'");

        Path lines = tmp.resolve("lines.jsonl");
        Files.writeString(lines, "{\"text\": \"hello\"}\n{\"txt\": 3}\n");
        Path tok = e2e("retrieval").resolve("tokenizer");
        fails("tokenize: a line without text", 1,
                new String[] {"tokenize", "--tokenizer", tok.toString(), "--input", lines.toString(), "--out", tmp.resolve("t.jsonl").toString()},
                "lines.jsonl line 2");
        fails("tokenize: tokenizer missing", 1,
                new String[] {"tokenize", "--tokenizer", tmp.resolve("no-tok").toString(), "--input", lines.toString(), "--out", tmp.resolve("t.jsonl").toString()},
                "no-tok");
        assertFalse(Files.exists(tmp.resolve("t.jsonl")), "nothing half-written");
    }

    @AfterAll
    static void printTable() {
        StringBuilder sb = new StringBuilder("| hostile input | what the user gets | exit |\n|---|---|---|\n");
        for (String[] row : TABLE) sb.append("| ").append(row[0]).append(" | ").append(row[1].replace("|", "\\|")).append(" | ").append(row[2]).append(" |\n");
        System.out.println(sb);
    }
}
