package dev.eve.models.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.autograd.NoGrad;
import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.io.AtomicFiles;
import dev.eve.core.io.SafeTensors;
import dev.eve.core.nn.Activation;
import dev.eve.core.nn.Dropout;
import dev.eve.core.nn.F;
import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Sequential;
import dev.eve.core.optim.AdamW;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash safety of training, with real processes: a small training run (a checkpoint after every
 * step) is SIGKILLed again and again at random moments and right while a checkpoint or the best
 * model is being written. After every kill the files in the output folder must be complete and
 * loadable (or absent), {@code --resume} must continue, and the final weights, optimizer state,
 * metrics, summary and best model must equal those of an uninterrupted run bit for bit.
 */
class CrashSafetyTest {

    static final int EPOCHS = 2, EXAMPLES = 48, BATCH = 8;   // 6 steps per epoch, 12 in all
    static final int HIDDEN = 256;                            // ~5k weights
    static final long SEED = 11;

    // ---------------------------------------------------------------------------------------------
    // The training job: a small MLP regression with dropout and per-example input noise, so the
    // random streams of the data order, the augmentation and the dropout all have to resume exactly.

    /** An example: input and target. */
    record Example(float[] x, float[] y) {}

    static Sequential model(int in, int hidden, int out, Generator gen) {
        return new Sequential()
                .add(new Linear(in, hidden, true, gen))
                .add(new Activation(Activation.Kind.GELU))
                .add(new Dropout(0.1))
                .add(new Linear(hidden, out, true, gen));
    }

    static List<Example> data(int n, int in, int out, long seed) {
        Random r = new Random(seed);
        List<Example> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] x = new float[in], y = new float[out];
            for (int j = 0; j < in; j++) x[j] = (float) r.nextGaussian();
            for (int k = 0; k < out; k++) y[k] = (float) Math.sin(x[k % in] + 0.5 * x[(k + 1) % in]);
            list.add(new Example(x, y));
        }
        return list;
    }

    /** A {@link Trainer.Task} over {@link Example}s; {@link #hook} runs before each loss (test injections). */
    static class Tiny implements Trainer.Task<Sequential, Example> {
        final int in, out;
        final List<Example> train, eval;
        final AtomicInteger calls = new AtomicInteger();
        volatile Hook hook;

        /** Called with the 0-based index of the loss call (= the global step with one replica, no accumulation). */
        interface Hook {
            Tensor apply(int call, Sequential model, Tensor loss);
        }

        Tiny(int in, int out, int examples) {
            this.in = in;
            this.out = out;
            this.train = data(examples, in, out, 1);
            this.eval = data(16, in, out, 2);
        }

        @Override
        public String name() {
            return "tiny";
        }

        @Override
        public List<Example> trainExamples() {
            return train;
        }

        Tensor batchLoss(Sequential model, List<Example> batch, long[] noiseSeeds) {
            float[] x = new float[batch.size() * in], y = new float[batch.size() * out];
            for (int i = 0; i < batch.size(); i++) {
                Random noise = noiseSeeds == null ? null : new Random(noiseSeeds[i]);
                for (int j = 0; j < in; j++)
                    x[i * in + j] = batch.get(i).x()[j] + (noise == null ? 0f : (float) (0.05 * noise.nextGaussian()));
                System.arraycopy(batch.get(i).y(), 0, y, i * out, out);
            }
            return F.mseLoss(model.forward(Tensor.of(x, batch.size(), in)), Tensor.of(y, batch.size(), out));
        }

        @Override
        public Tensor loss(Sequential model, List<Example> shard, long[] sampleSeeds, ProcessGroup group, Map<String, Double> logs) {
            int call = calls.getAndIncrement();
            Tensor loss = batchLoss(model, shard, sampleSeeds);
            Hook h = hook;
            return h == null ? loss : h.apply(call, model, loss);
        }

        @Override
        public Map<String, Object> evaluate(Sequential model, int epoch) {
            double mse;
            try (var ignored = NoGrad.enter()) {
                mse = batchLoss(model, eval, null).item();
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mse", mse);
            m.put("score", -mse);
            return m;
        }
    }

    static Trainer.Settings settings(Path out, boolean resume, int epochs, int checkpointEvery, Trainer.NonFinite mode) {
        return new Trainer.Settings(epochs, BATCH, 1, 3e-3, 1.0, 0.01, "linear", 0.1, 1.0, 1, SEED, out, null, resume,
                checkpointEvery, mode, 0);
    }

    static Trainer<Sequential, Example> trainer(Tiny task, int hidden, Trainer.Settings s) {
        Sequential m = model(task.in, hidden, task.out, new Generator(SEED));
        return new Trainer<>(m, () -> model(task.in, hidden, task.out, null), task, s, new HashSet<>(m.namedParameters().keySet()));
    }

    /**
     * The child process: {@code <outputDir>}. Trains (resuming when a checkpoint is there) with a
     * checkpoint after every step, printing {@code step} after each loss so the parent can time kills.
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path out = Path.of(args[0]);
            Tiny task = new Tiny(16, 4, EXAMPLES);
            task.hook = (call, model, loss) -> {
                System.out.println("step " + call);
                System.out.flush();
                return loss;
            };
            try {
                trainer(task, HIDDEN, settings(out, true, EPOCHS, 1, Trainer.NonFinite.STOP)).fit();
            } catch (Throwable t) {
                t.printStackTrace();
                System.exit(3);
            }
            System.out.println("done");
            System.exit(0);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The parent: launches, kills and checks.

    static final List<String> FILES = List.of("checkpoint_latest.safetensors", "model_best.safetensors", "summary.json", "metrics.jsonl");

    /** A launched child with its stdout step counter. */
    static final class Launched {
        final Process process;
        final AtomicInteger steps = new AtomicInteger();
        volatile boolean done;

        Launched(Path out, Path log) throws IOException {
            String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                    "-Xss8m", "-Xmx1g", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Child.class.getName(), out.toString()));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith("step ")) steps.incrementAndGet();
                        else if (line.equals("done")) done = true;
                    }
                } catch (IOException ignored) {
                    // the process was killed
                }
            }, "child-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits until {@code condition} holds (then kills: true) or the process ends by itself (false). */
        boolean killWhen(BooleanSupplier condition, long timeoutMs) throws InterruptedException {
            long end = System.nanoTime() + timeoutMs * 1_000_000;
            while (System.nanoTime() < end) {
                if (!process.isAlive()) return false;
                if (condition.getAsBoolean()) {
                    process.destroyForcibly();   // SIGKILL on Linux
                    process.waitFor();
                    return true;
                }
                Thread.onSpinWait();
            }
            process.destroyForcibly();
            process.waitFor();
            fail("the child neither reached the kill point nor finished in " + timeoutMs + " ms");
            return true;
        }
    }

    /** True when a write of {@code file} is in progress (a temporary file not in {@code stale}). */
    static boolean temporaryOf(Path dir, String file, java.util.Set<Path> stale) {
        try (var files = Files.list(dir)) {
            return files.anyMatch(p -> AtomicFiles.isTemporaryOf(p, dir.resolve(file)) && !stale.contains(p));
        } catch (IOException e) {
            return false;   // the folder does not exist yet
        }
    }

    static java.util.Set<Path> leftovers(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return java.util.Set.of();
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tmp")).collect(java.util.stream.Collectors.toSet());
        }
    }

    /** What a kill leaves must be complete: returns the global step of checkpoint_latest (0: none yet). */
    static long checkConsistent(Path dir, String when) throws IOException {
        long step = 0;
        Path latest = dir.resolve("checkpoint_latest.safetensors");
        if (Files.exists(latest)) {
            Tiny task = new Tiny(16, 4, EXAMPLES);
            Sequential m = model(task.in, HIDDEN, task.out, new Generator(0));
            AdamW opt = EveOptimizer.create(m, 1e-3, 0.01, 1, new HashSet<>(m.namedParameters().keySet()));
            TrainingCheckpoint.Position pos = TrainingCheckpoint.load(latest, m, opt);   // complete, and fits the model
            assertEquals(null, TrainingCheckpoint.firstNonFinite(SafeTensors.load(latest)), when);
            assertTrue(pos.metricsBytes() > 0, when + ": the checkpoint records the metrics length");
            step = pos.globalStep();
        }
        Path best = dir.resolve("model_best.safetensors");
        if (Files.exists(best)) assertEquals(4, SafeTensors.load(best).size(), when + ": model_best is complete");
        Path summary = dir.resolve("summary.json");
        if (Files.exists(summary)) assertNotNull(new ObjectMapper().readTree(summary.toFile()).get("steps"), when);
        return step;
    }

    static Map<String, Tensor> tensors(Path file) {
        return SafeTensors.load(file);
    }

    static void assertSameTensors(Path a, Path b) {
        Map<String, Tensor> x = tensors(a), y = tensors(b);
        assertEquals(x.keySet(), y.keySet(), b.toString());
        for (String k : x.keySet()) {
            if (x.get(k).dtype().isFloating()) {
                float[] p = x.get(k).toFloatArray(), q = y.get(k).toFloatArray();
                assertEquals(p.length, q.length, k);
                for (int i = 0; i < p.length; i++)
                    if (Float.floatToRawIntBits(p[i]) != Float.floatToRawIntBits(q[i]))
                        fail(b.getFileName() + " " + k + "[" + i + "]: " + p[i] + " != " + q[i] + " (not bit-identical)");
            } else {
                assertArrayEquals(x.get(k).toLongArray(), y.get(k).toLongArray(), k);
            }
        }
    }

    enum Kill { EARLY, AFTER_STEPS, WRITING_CHECKPOINT, WRITING_BEST }

    @Test
    void sigkillAtAnyMomentThenResumeEqualsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        Path log = dir.resolve("children.log");
        Files.createFile(log);

        // The uninterrupted run, in this JVM (the results depend neither on the process nor on JIT timing).
        Path ref = dir.resolve("reference");
        trainer(new Tiny(16, 4, EXAMPLES), HIDDEN, settings(ref, false, EPOCHS, 1, Trainer.NonFinite.STOP)).fit();

        Path out = dir.resolve("crashed");
        Random rnd = new Random(20240611);
        List<Kill> plan = new ArrayList<>(List.of(Kill.EARLY, Kill.WRITING_CHECKPOINT, Kill.AFTER_STEPS, Kill.WRITING_BEST,
                Kill.WRITING_CHECKPOINT, Kill.AFTER_STEPS));
        int kills = 0, midWrite = 0, extraTries = 0;
        long lastStep = 0;
        List<String> events = new ArrayList<>();
        boolean finished = false;
        for (int i = 0; i < plan.size() && !finished; i++) {
            Kill kind = plan.get(i);
            java.util.Set<Path> stale = leftovers(out);   // the child removes these; they are no kill signal
            Launched child = new Launched(out, log);
            int after = 1 + rnd.nextInt(3);
            long delay = 50 + rnd.nextInt(400);
            long start = System.nanoTime();
            boolean killed = switch (kind) {
                case EARLY -> child.killWhen(() -> System.nanoTime() - start > delay * 1_000_000, 60_000);
                case AFTER_STEPS -> child.killWhen(() -> child.steps.get() >= after, 60_000);
                case WRITING_CHECKPOINT -> child.killWhen(() -> temporaryOf(out, "checkpoint_latest.safetensors", stale), 60_000);
                case WRITING_BEST -> child.killWhen(() -> temporaryOf(out, "model_best.safetensors", stale), 60_000);
            };
            if (!killed) {
                assertEquals(0, child.process.waitFor(), () -> "the child failed: " + tail(log));
                finished = true;
                events.add(kind + ": finished first");
                break;
            }
            kills++;
            java.util.Set<Path> left = new HashSet<>(leftovers(out));
            left.removeAll(stale);
            int tmp = left.size();
            boolean torn = tmp > 0;
            if (torn) midWrite++;
            long step = checkConsistent(out, "after kill " + kills + " (" + kind + ")");
            assertTrue(step >= lastStep, "a kill lost checkpointed progress: step " + step + " < " + lastStep);
            lastStep = step;
            events.add(kind + (kind == Kill.AFTER_STEPS ? "(" + after + ")" : "") + " -> checkpoint at step " + step
                    + (torn ? ", killed mid-write (" + tmp + " temporary file left)" : ""));
            // Make sure the mid-write case really happened: retry a few times when the rename won the race.
            if (i == plan.size() - 1 && midWrite == 0 && extraTries < 4) {
                plan.add(Kill.WRITING_CHECKPOINT);
                extraTries++;
            }
        }
        if (!finished) {
            Launched last = new Launched(out, log);
            assertTrue(last.process.waitFor(120, TimeUnit.SECONDS), "final resume timed out");
            assertEquals(0, last.process.exitValue(), () -> "the final resume failed: " + tail(log));
        }
        System.out.printf("crash safety: %d kills (%d mid-write), %.1f s: %s%n", kills, midWrite, (System.nanoTime() - t0) / 1e9, events);

        assertTrue(kills >= 5, "enough kills landed: " + events);
        assertTrue(midWrite >= 1, "at least one kill landed while a file was being written: " + events);
        assertEquals(java.util.Set.of(), leftovers(out), "the resumed run removed the temporary files of killed writes");
        assertSameTensors(ref.resolve("checkpoint_latest.safetensors"), out.resolve("checkpoint_latest.safetensors"));
        assertSameTensors(ref.resolve("model_best.safetensors"), out.resolve("model_best.safetensors"));
        assertEquals(Files.readString(ref.resolve("metrics.jsonl")), Files.readString(out.resolve("metrics.jsonl")),
                "metrics.jsonl of the killed-and-resumed run equals the uninterrupted one");
        assertEquals(Files.readString(ref.resolve("summary.json")), Files.readString(out.resolve("summary.json")));
        assertEquals(EPOCHS * EXAMPLES / BATCH + EPOCHS, MetricsLog.read(out.resolve("metrics.jsonl")).size(), "one row per step and per evaluation");
        for (String f : FILES) assertTrue(Files.exists(out.resolve(f)), f);
    }

    static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return e.toString();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The repairs, one by one, in process.

    @Test
    void metricsLogCutsATornLineAndLinesAfterTheCheckpoint(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("metrics.jsonl");
        long keep;
        try (MetricsLog log = new MetricsLog(f, false)) {
            log.log("step", 1);
            log.log("step", 2);
            keep = log.size();
            log.log("step", 3);
        }
        Files.writeString(f, "{\"step\":4,\"lo", java.nio.file.StandardOpenOption.APPEND);   // killed mid-line
        try (MetricsLog log = new MetricsLog(f, true)) {
            log.log("step", 5);
        }
        assertEquals("{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n{\"step\":5}\n", Files.readString(f), "the torn line is cut, nothing glued");
        try (MetricsLog log = MetricsLog.resume(f, keep)) {
            assertEquals(keep, log.size());
            log.log("step", 3);
        }
        assertEquals("{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n", Files.readString(f), "lines after the checkpoint are dropped");
        try (MetricsLog log = MetricsLog.resume(f, 0)) {
            assertEquals(0, log.size());
        }
        assertEquals("", Files.readString(f), "a fresh start empties the file");
    }

    @Test
    void resumeRefusesACheckpointOfAnotherRun(@TempDir Path dir) throws Exception {
        Tiny task = new Tiny(4, 2, 16);
        trainer(task, 8, new Trainer.Settings(1, 4, 1, 1e-3, 1, 0, "linear", 0, 1, 1, SEED, dir, null, false, 1, Trainer.NonFinite.STOP, 0)).fit();
        Trainer<Sequential, Example> other = trainer(new Tiny(4, 2, 16), 8,
                new Trainer.Settings(1, 4, 1, 1e-3, 1, 0, "linear", 0, 1, 1, SEED + 1, dir, null, true, 1, Trainer.NonFinite.STOP, 0));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, other::fit);
        assertTrue(e.getMessage().contains("was written with seed " + SEED + " but this run has seed " + (SEED + 1)), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
