package dev.eve.models.train;

import dev.eve.core.io.SafeTensors;
import dev.eve.core.nn.Sequential;
import dev.eve.core.optim.AdamW;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.train.CrashSafetyTest.Tiny;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NaN and infinity in the loss or in one gradient, injected at a chosen step: detected at that
 * step; STOP names the step and the first non-finite tensor, SKIP skips the step and logs
 * {@code skipped}; a checkpoint is never written with non-finite weights or optimizer state (the
 * last good file stays, byte for byte).
 */
class NumericFaultTest {

    static final int IN = 4, OUT = 2, HIDDEN = 16, EXAMPLES = 16, BATCH = 4;   // 4 steps per epoch
    static final int EPOCHS = 2, STEPS = EPOCHS * EXAMPLES / BATCH;
    static final int AT = 5;                   // 0-based loss call = epoch 1 step 1, global step 6 in the metrics
    static final String GRAD_PARAM = "3.weight";   // the last Linear: parameters 0.* come first, so "first" matters

    enum Where { LOSS, GRADIENT }

    /** A spike in one element: value at [0, 0], zero elsewhere. */
    static Tensor spike(int rows, int cols, float value) {
        float[] v = new float[rows * cols];
        v[0] = value;
        return Tensor.of(v, rows, cols);
    }

    static byte[] read(Path p) {
        try {
            return Files.exists(p) ? Files.readAllBytes(p) : null;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A run with {@code value} injected at loss call {@link #AT}; {@code lastGood} gets the checkpoint bytes just before it. */
    static Trainer<Sequential, CrashSafetyTest.Example> faulty(Path out, Trainer.NonFinite mode, Where where, float value,
                                                               AtomicReference<byte[]> lastGood) {
        Tiny task = new Tiny(IN, OUT, EXAMPLES);
        Trainer.Settings s = new Trainer.Settings(EPOCHS, BATCH, 1, 1e-2, 1, 0.01, "linear", 0, 1.0, 1, 3, out, null, false, 1, mode, 0);
        Trainer<Sequential, CrashSafetyTest.Example> t = CrashSafetyTest.trainer(task, HIDDEN, s);
        task.hook = (call, model, loss) -> {
            if (call != AT) return loss;
            lastGood.set(read(out.resolve("checkpoint_latest.safetensors")));
            if (where == Where.LOSS) return loss.add(value);
            Tensor p = model.namedParameters().get(GRAD_PARAM);
            p.registerGradHook(g -> {
                if (task.calls.get() == AT + 1 && g.allFinite()) p.setGrad(g.add(spike(OUT, HIDDEN, value)));
            });
            return loss;
        };
        return t;
    }

    static List<Map<String, Object>> metrics(Path out) {
        return MetricsLog.read(out.resolve("metrics.jsonl"));
    }

    @Test
    void stopNamesTheStepAndTheFirstNonFiniteTensorAndKeepsTheLastCheckpoint(@TempDir Path dir) {
        for (Where where : Where.values()) {
            for (float value : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
                String what = where + " " + value;
                Path out = dir.resolve(where + "-" + value);
                AtomicReference<byte[]> lastGood = new AtomicReference<>();
                Trainer.NonFiniteException e = assertThrows(Trainer.NonFiniteException.class,
                        () -> faulty(out, Trainer.NonFinite.STOP, where, value, lastGood).fit(), what);
                String tensor = where == Where.LOSS ? "loss" : GRAD_PARAM;
                assertEquals(tensor, e.tensor(), what);
                assertEquals(1, e.epoch(), what);
                assertEquals(1, e.step(), what);
                assertEquals(AT + 1, e.globalStep(), what);
                String m = e.getMessage();
                assertTrue(m.contains("at epoch 1 step 1 (global step 6)"), m);
                assertTrue(m.contains("first non-finite tensor: " + tensor), m);
                assertTrue(m.contains(where == Where.LOSS ? "loss (" + value + ")" : "gradient of " + GRAD_PARAM), m);
                assertFalse(m.contains("\n"), m);
                assertNotNull(lastGood.get());
                assertArrayEquals(lastGood.get(), read(out.resolve("checkpoint_latest.safetensors")), what + ": checkpoint untouched");
                List<Map<String, Object>> rows = metrics(out);
                Map<String, Object> last = rows.get(rows.size() - 1);
                assertEquals(tensor, last.get("nonfinite"), what);
                assertEquals(6, ((Number) last.get("global_step")).intValue(), what);
                assertEquals(1.0, ((Number) last.get("stopped")).doubleValue(), what);
            }
        }
    }

    @Test
    void skipSkipsExactlyThatStepAndLogsIt(@TempDir Path dir) {
        for (Where where : Where.values()) {
            for (float value : new float[] {Float.NaN, Float.NEGATIVE_INFINITY}) {
                String what = where + " " + value;
                Path out = dir.resolve(where + "-" + value);
                AtomicReference<byte[]> before = new AtomicReference<>();
                Map<String, Object> summary = assertDoesNotThrow(() -> faulty(out, Trainer.NonFinite.SKIP, where, value, before).fit(), what);
                assertEquals((long) STEPS, ((Number) summary.get("steps")).longValue(), what);
                List<Map<String, Object>> rows = metrics(out).stream().filter(r -> r.containsKey("global_step")).toList();
                assertEquals(STEPS, rows.size(), what);
                for (Map<String, Object> r : rows) {
                    boolean skipped = ((Number) r.get("global_step")).intValue() == AT + 1;
                    assertEquals(skipped, r.containsKey("skipped"), what + " " + r);
                    if (skipped) {
                        assertEquals(1.0, ((Number) r.get("skipped")).doubleValue());
                        assertEquals(where == Where.LOSS ? "loss" : GRAD_PARAM, r.get("nonfinite"), what);
                        assertFalse(r.containsKey("grad_norm"), "no update: " + r);
                    }
                }
                // The skipped step did not update anything: each parameter has one optimizer step fewer.
                Map<String, Tensor> ckpt = SafeTensors.load(out.resolve("checkpoint_latest.safetensors"));
                assertNull(TrainingCheckpoint.firstNonFinite(ckpt), what);
                long steps = ckpt.entrySet().stream().filter(en -> en.getKey().endsWith(".step")).findFirst().orElseThrow().getValue().longItem();
                assertEquals(STEPS - 1, steps, what);
            }
        }
    }

    /** A skipped step leaves the weights as they were (the checkpoints just before and after it hold the same model). */
    @Test
    void aSkippedStepChangesNoWeight(@TempDir Path dir) {
        AtomicReference<byte[]> before = new AtomicReference<>();
        Tiny task = new Tiny(IN, OUT, EXAMPLES);
        Trainer.Settings s = new Trainer.Settings(EPOCHS, BATCH, 1, 1e-2, 1, 0.01, "linear", 0, 1.0, 1, 3, dir, null, false, 1,
                Trainer.NonFinite.SKIP, 0);
        Trainer<Sequential, CrashSafetyTest.Example> t = CrashSafetyTest.trainer(task, HIDDEN, s);
        AtomicReference<Map<String, Tensor>> atSkip = new AtomicReference<>(), afterSkip = new AtomicReference<>();
        task.hook = (call, model, loss) -> {
            if (call == AT) {
                atSkip.set(SafeTensors.load(dir.resolve("checkpoint_latest.safetensors")));
                return loss.add(Float.NaN);
            }
            if (call == AT + 1) afterSkip.set(SafeTensors.load(dir.resolve("checkpoint_latest.safetensors")));
            return loss;
        };
        assertDoesNotThrow(t::fit);
        for (String k : atSkip.get().keySet())
            if (k.startsWith("model.")) assertArrayEquals(atSkip.get().get(k).toFloatArray(), afterSkip.get().get(k).toFloatArray(), k);
    }

    /** A weight that goes NaN (finite loss and gradients) is never checkpointed, in either mode. */
    @Test
    void nonFiniteWeightsAreNeverCheckpointed(@TempDir Path dir) {
        for (Trainer.NonFinite mode : Trainer.NonFinite.values()) {
            for (int every : new int[] {1, 0}) {
                String what = mode + " every " + every;
                Path out = dir.resolve(mode + "-" + every);
                Tiny task = new Tiny(IN, OUT, EXAMPLES);
                Trainer.Settings s = new Trainer.Settings(EPOCHS, BATCH, 1, 1e-2, 1, 0.01, "linear", 0, 1.0, 1, 3, out, null, false, every, mode, 0);
                Trainer<Sequential, CrashSafetyTest.Example> t = CrashSafetyTest.trainer(task, HIDDEN, s);
                AtomicReference<byte[]> lastGood = new AtomicReference<>();
                task.hook = (call, model, loss) -> {
                    if (call == AT) {
                        lastGood.set(read(out.resolve("checkpoint_latest.safetensors")));
                        Tensor w = model.namedParameters().get("0.weight");
                        float[] v = w.toFloatArray();
                        v[3] = Float.NaN;   // corrupted after the loss was computed: loss and gradients stay finite
                        w.setData(Tensor.of(v, w.shape()));
                    }
                    return loss;
                };
                RuntimeException e = assertThrows(RuntimeException.class, t::fit, what);
                assertTrue(e.getMessage().contains("0.weight"), what + ": " + e.getMessage());
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                if (every == 1) {
                    // Saved right after the step: the guard refuses the write.
                    TrainingCheckpoint.NonFiniteStateException ns = org.junit.jupiter.api.Assertions.assertInstanceOf(
                            TrainingCheckpoint.NonFiniteStateException.class, e, what);
                    assertEquals("model.0.weight", ns.tensor());
                    assertTrue(e.getMessage().contains("the last good checkpoint is kept"), e.getMessage());
                } else {
                    // No checkpoint until the epoch ends: the next step's loss is NaN, and the broken weight is named
                    // (in SKIP mode too: skipping cannot repair a weight).
                    Trainer.NonFiniteException nf = org.junit.jupiter.api.Assertions.assertInstanceOf(Trainer.NonFiniteException.class, e, what);
                    assertEquals("0.weight", nf.tensor());
                    assertEquals(AT + 2, nf.globalStep());
                    assertTrue(e.getMessage().contains("non-finite loss (NaN) at epoch 1 step 2 (global step 7); first non-finite tensor: the parameter 0.weight"),
                            e.getMessage());
                }
                assertNotNull(lastGood.get(), what);
                assertArrayEquals(lastGood.get(), read(out.resolve("checkpoint_latest.safetensors")), what + ": last good checkpoint kept");
                assertNull(TrainingCheckpoint.firstNonFinite(SafeTensors.load(out.resolve("checkpoint_latest.safetensors"))), what);
            }
        }
    }

    /** The guard covers the optimizer state too, and the file on disk is left untouched. */
    @Test
    void nonFiniteOptimizerStateIsRefused(@TempDir Path dir) throws Exception {
        Sequential m = CrashSafetyTest.model(IN, HIDDEN, OUT, new Generator(1));
        AdamW opt = EveOptimizer.create(m, 1e-3, 0.01, 1, new HashSet<>(m.namedParameters().keySet()));
        Tiny task = new Tiny(IN, OUT, EXAMPLES);
        task.batchLoss(m, task.train.subList(0, 4), null).backward();
        opt.step();
        Path file = dir.resolve("checkpoint_latest.safetensors");
        TrainingCheckpoint.Position pos = new TrainingCheckpoint.Position(0, 1, 1, Double.NEGATIVE_INFINITY, -1, 0);
        TrainingCheckpoint.save(file, m, opt, pos, Map.of());
        byte[] good = Files.readAllBytes(file);

        Map<String, Tensor> state = new LinkedHashMap<>(opt.stateDict());
        String key = state.keySet().stream().filter(k -> k.endsWith("exp_avg_sq")).findFirst().orElseThrow();
        float[] v = state.get(key).toFloatArray();
        v[0] = Float.POSITIVE_INFINITY;
        state.put(key, Tensor.of(v, state.get(key).shape()));
        opt.loadStateDict(state);
        TrainingCheckpoint.NonFiniteStateException e = assertThrows(TrainingCheckpoint.NonFiniteStateException.class,
                () -> TrainingCheckpoint.save(file, m, opt, pos, Map.of()));
        assertEquals("optimizer." + key, e.tensor());
        assertTrue(e.getMessage().contains("optimizer." + key + " (the exp_avg_sq of "), e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(file));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    /** Gradients that are all finite but whose squares overflow: stopped, and the message says so. */
    @Test
    void anOverflowingGradientNormIsNamedAsSuch(@TempDir Path dir) {
        Tiny task = new Tiny(IN, OUT, EXAMPLES);
        Trainer.Settings s = new Trainer.Settings(1, BATCH, 1, 1e-2, 1, 0.01, "linear", 0, 1.0, 1, 3, dir, null, false, 1,
                Trainer.NonFinite.STOP, 0);
        Trainer<Sequential, CrashSafetyTest.Example> t = CrashSafetyTest.trainer(task, HIDDEN, s);
        task.hook = (call, model, loss) -> {
            if (call == 1) {
                Tensor p = model.namedParameters().get(GRAD_PARAM);
                p.registerGradHook(g -> {
                    if (task.calls.get() == 2 && g.allFinite()) p.setGrad(g.add(spike(OUT, HIDDEN, 1e30f)));
                });
            }
            return loss;
        };
        Trainer.NonFiniteException e = assertThrows(Trainer.NonFiniteException.class, t::fit);
        assertTrue(e.getMessage().contains("every gradient is finite"), e.getMessage());
        assertEquals(2, e.globalStep());
    }

    static <T> T assertDoesNotThrow(org.junit.jupiter.api.function.ThrowingSupplier<T> s, String what) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(s, what);
    }

    static void assertDoesNotThrow(org.junit.jupiter.api.function.Executable e) {
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(e);
    }
}
