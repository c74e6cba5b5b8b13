package dev.eve.models.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.eve.core.autograd.NoGrad;
import dev.eve.core.io.AtomicFiles;
import dev.eve.core.io.SafeTensors;
import dev.eve.core.nn.Module;
import dev.eve.core.optim.AdamW;
import dev.eve.core.optim.GradClip;
import dev.eve.core.optim.LrSchedule;
import dev.eve.core.optim.LrScheduler;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The fine-tuning loop of the original scripts: AdamW with lr_mult groups, a linear or cosine
 * schedule with warm-up stepped every iteration, global-norm clipping, gradient accumulation,
 * evaluation every epoch with best-checkpoint selection, an atomic checkpoint every epoch (and
 * optionally every N steps), exact resume, JSON-lines metrics and a progress bar.
 *
 * <p>Everything random derives from the seed and the loop position: the data order of epoch e,
 * the augmentation of each example, and the dropout/routing noise of each step and replica. A
 * resumed run therefore continues on exactly the streams an uninterrupted one would have used.
 */
public final class Trainer<M extends Module, E> {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What the loop needs from a task. */
    public interface Task<M extends Module, E> {
        /** Short name for output files (eval_&lt;name&gt;.json). */
        String name();

        List<E> trainExamples();

        /**
         * The loss (gate loss included) of one replica's shard. {@code sampleSeed(i)} gives the seed
         * for the augmentation of example i of the shard; {@code logs} collects named loss parts.
         */
        Tensor loss(M model, List<E> shard, long[] sampleSeeds, ProcessGroup group, Map<String, Double> logs);

        /** Evaluation metrics; the key {@code score} (higher is better) selects the best epoch. */
        Map<String, Object> evaluate(M model, int epoch);
    }

    /**
     * Loop settings (the original's optimizer / schedular / accelerator keys plus run.py flags).
     * {@code epochsThisRun} > 0 stops after that many epochs of this invocation (a time-boxed chunk;
     * {@code resume} continues later exactly where it stopped).
     */
    public record Settings(int epochs, int globalBatch, int replicas, double lr, double lrMult, double weightDecay,
                           String schedule, double warmup, double clipNorm, int accumulate, long seed, Path outputDir,
                           Path mirrorDir, boolean resume, int checkpointEvery, NonFinite onNonFinite, int epochsThisRun) {
        public Settings {
            if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            if (globalBatch < 1 || replicas < 1 || globalBatch % replicas != 0)
                throw new IllegalArgumentException("the batch (" + globalBatch + ") must be a positive multiple of the replicas (" + replicas + ")");
            if (!schedule.equals("linear") && !schedule.equals("cos"))
                throw new IllegalArgumentException("schedule must be 'linear' or 'cos', got '" + schedule + "'");
            if (accumulate < 1) throw new IllegalArgumentException("gradient accumulation steps must be >= 1");
            if (!(lr > 0)) throw new IllegalArgumentException("lr must be positive, got " + lr);
        }
    }

    /** What to do when a loss or gradient is NaN or infinite. */
    public enum NonFinite { STOP, SKIP }

    private final M master;
    private final Supplier<M> replicaFactory;
    private final Task<M, E> task;
    private final Settings s;
    private final Set<String> newParams;

    public Trainer(M master, Supplier<M> replicaFactory, Task<M, E> task, Settings settings, Set<String> newParams) {
        this.master = master;
        this.replicaFactory = replicaFactory;
        this.task = task;
        this.s = settings;
        this.newParams = newParams;
    }

    /** Mixes integers into a well-spread 64-bit seed (SplitMix64 finaliser). */
    public static long seed(long... parts) {
        long h = 0x9E3779B97F4A7C15L;
        for (long p : parts) {
            h ^= p + 0x9E3779B97F4A7C15L + (h << 6) + (h >>> 2);
            h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
            h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
            h ^= h >>> 31;
        }
        return h;
    }

    /** The example order of an epoch: a seeded permutation. */
    static int[] order(int n, long seed, int epoch) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Generator g = new Generator(seed(seed, 0x0D0E, epoch));
        for (int i = n - 1; i > 0; i--) {
            int j = g.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    public Path latestCheckpoint() {
        return s.outputDir().resolve("checkpoint_latest.safetensors");
    }

    /** Trains; returns the summary written to {@code summary.json}. */
    public Map<String, Object> fit() throws IOException {
        Files.createDirectories(s.outputDir());
        List<E> data = task.trainExamples();
        int stepsPerEpoch = data.size() / s.globalBatch() / s.accumulate();
        if (stepsPerEpoch == 0)
            throw new IllegalArgumentException("the training set (" + data.size() + " examples) is smaller than one batch of "
                    + s.globalBatch() * s.accumulate());
        // The original schedules over ceil(size / batch) steps per epoch (its loader then drops the last partial batch).
        long scheduled = (long) s.epochs() * (long) Math.ceil((double) data.size() / (s.globalBatch() * s.accumulate()));
        int warmupSteps = s.warmup() < 1 ? (int) (scheduled * s.warmup()) : (int) s.warmup();
        LrSchedule schedule = s.schedule().equals("cos") ? LrSchedule.cosine(scheduled, warmupSteps) : LrSchedule.linear(scheduled, warmupSteps);
        AdamW opt = EveOptimizer.create(master, s.lr(), s.weightDecay(), s.lrMult(), newParams);
        TrainingCheckpoint.Position pos = new TrainingCheckpoint.Position(0, 0, 0, Double.NEGATIVE_INFINITY, -1);
        if (s.resume() && TrainingCheckpoint.exists(latestCheckpoint())) {
            pos = TrainingCheckpoint.load(latestCheckpoint(), master, opt);
            LOG.info("resuming from {} at epoch {} step {}", latestCheckpoint(), pos.epoch(), pos.step());
        }
        LrScheduler scheduler = new LrScheduler(opt, schedule, s.lr(), pos.globalStep());
        Map<String, Object> lastEval = Map.of();
        try (DataParallel<M> dp = new DataParallel<>(master, replicaFactory, s.replicas());
             MetricsLog metrics = new MetricsLog(s.outputDir().resolve("metrics.jsonl"), s.resume())) {
            long globalStep = pos.globalStep();
            double best = pos.best();
            int bestEpoch = pos.bestEpoch();
            int lastEpoch = s.epochsThisRun() > 0 ? Math.min(s.epochs(), pos.epoch() + s.epochsThisRun()) : s.epochs();
            for (int epoch = pos.epoch(); epoch < lastEpoch; epoch++) {
                int[] perm = order(data.size(), s.seed(), epoch);
                int startStep = epoch == pos.epoch() ? pos.step() : 0;
                dp.train(true);
                try (Progress bar = new Progress(task.name() + " epoch " + (epoch + 1) + "/" + s.epochs(), stepsPerEpoch, "step")) {
                    for (int i = 0; i < startStep; i++) bar.step(null);
                    for (int step = startStep; step < stepsPerEpoch; step++) {
                        Map<String, Double> logs = trainStep(dp, opt, data, perm, epoch, step, globalStep);
                        scheduler.step();
                        globalStep++;
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("epoch", epoch);
                        row.put("step", step);
                        row.put("global_step", globalStep);
                        row.put("lr", opt.lr());
                        row.putAll(logs);
                        metrics.log(row);
                        bar.step(String.format(" loss %.4f", logs.getOrDefault("loss", Double.NaN)));
                        if (s.checkpointEvery() > 0 && (step + 1) % s.checkpointEvery() == 0 && step + 1 < stepsPerEpoch)
                            saveLatest(opt, new TrainingCheckpoint.Position(epoch, step + 1, globalStep, best, bestEpoch));
                    }
                }
                dp.train(false);
                lastEval = task.evaluate(master, epoch);
                Map<String, Object> evalRow = new LinkedHashMap<>();
                evalRow.put("epoch", epoch);
                evalRow.put("event", "eval");
                evalRow.putAll(lastEval);
                metrics.log(evalRow);
                double score = lastEval.get("score") instanceof Number n ? n.doubleValue() : Double.NaN;
                if (!Double.isNaN(score) && score > best) {
                    best = score;
                    bestEpoch = epoch;
                    Path bestFile = s.outputDir().resolve("model_best.safetensors");
                    SafeTensors.save(bestFile, master.stateDict(), Map.of("epoch", Integer.toString(epoch), "score", Double.toString(score)));
                    mirror(bestFile);
                }
                saveLatest(opt, new TrainingCheckpoint.Position(epoch + 1, 0, globalStep, best, bestEpoch));
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("task", task.name());
            summary.put("epochs", s.epochs());
            summary.put("steps", globalStep);
            summary.put("best_epoch", bestEpoch);
            summary.put("best_score", best);
            summary.put("last_eval", lastEval);
            Path file = s.outputDir().resolve("summary.json");
            AtomicFiles.write(file, JSON.writeValueAsBytes(summary));
            mirror(file);
            mirror(s.outputDir().resolve("metrics.jsonl"));
            return summary;
        }
    }

    private Map<String, Double> trainStep(DataParallel<M> dp, AdamW opt, List<E> data, int[] perm, int epoch, int step, long globalStep) {
        int micro = s.accumulate(), shard = s.globalBatch() / s.replicas();
        Map<String, Double> logs = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, Tensor> accumulated = new LinkedHashMap<>();
        double lossSum = 0;
        for (int m = 0; m < micro; m++) {
            int base = (step * micro + m) * s.globalBatch();
            Generator[] gens = new Generator[s.replicas()];
            for (int r = 0; r < gens.length; r++) gens[r] = new Generator(seed(s.seed(), 0x57E9, globalStep, m, r));
            double[] losses = dp.forwardBackward((model, rank, group) -> {
                List<E> mine = new ArrayList<>(shard);
                long[] seeds = new long[shard];
                for (int i = 0; i < shard; i++) {
                    int pos = base + rank * shard + i;
                    mine.add(data.get(perm[pos]));
                    seeds[i] = seed(s.seed(), 0xA06, epoch, pos);
                }
                Map<String, Double> mineLogs = rank == 0 ? logs : new LinkedHashMap<>();
                return task.loss(model, mine, seeds, group, mineLogs);
            }, gens);
            for (double l : losses) lossSum += l / losses.length;
            if (micro > 1) {
                try (var ignored = NoGrad.enter()) {
                    for (Map.Entry<String, Tensor> p : master.namedParameters().entrySet()) {
                        Tensor g = p.getValue().grad();
                        if (g == null) continue;
                        accumulated.merge(p.getKey(), g, Tensor::add);
                    }
                }
            }
        }
        if (micro > 1) {
            try (var ignored = NoGrad.enter()) {
                for (Map.Entry<String, Tensor> p : master.namedParameters().entrySet()) {
                    Tensor g = accumulated.get(p.getKey());
                    p.getValue().setGrad(g == null ? null : g.div(micro));
                }
            }
        }
        double loss = lossSum / micro;
        double norm = GradClip.totalNorm(opt.parameters());
        if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
            String what = !Double.isFinite(loss) ? "loss " + loss : "gradient norm " + norm;
            if (s.onNonFinite() == NonFinite.STOP)
                throw new IllegalStateException("non-finite " + what + " at epoch " + epoch + " step " + step
                        + " (global step " + globalStep + "): " + firstNonFinite());
            LOG.warn("skipping step {} of epoch {}: non-finite {}", step, epoch, what);
            master.zeroGrad();
            Map<String, Double> skipped = new LinkedHashMap<>(logs);
            skipped.put("loss", loss);
            skipped.put("skipped", 1.0);
            return skipped;
        }
        if (s.clipNorm() > 0) GradClip.clipGradNorm(opt.parameters(), s.clipNorm());
        opt.step();
        dp.syncWeights();
        Map<String, Double> out = new LinkedHashMap<>(logs);
        out.put("loss", loss);
        out.put("grad_norm", norm);
        return out;
    }

    private String firstNonFinite() {
        for (Map.Entry<String, Tensor> p : master.namedParameters().entrySet()) {
            Tensor g = p.getValue().grad();
            if (g != null && !g.allFinite()) return "first non-finite gradient: " + p.getKey();
        }
        return "gradients are finite";
    }

    private void saveLatest(AdamW opt, TrainingCheckpoint.Position pos) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("task", task.name());
        info.put("seed", s.seed());
        info.put("batch", s.globalBatch());
        info.put("replicas", s.replicas());
        TrainingCheckpoint.save(latestCheckpoint(), master, opt, pos, info);
        mirror(latestCheckpoint());
    }

    /** Copies a finished output file to the second output location, if any (atomically there too). */
    private void mirror(Path file) {
        if (s.mirrorDir() == null || !Files.exists(file)) return;
        try {
            Files.createDirectories(s.mirrorDir());
            Path target = s.mirrorDir().resolve(file.getFileName());
            Path tmp = Files.createTempFile(s.mirrorDir(), "." + file.getFileName(), ".tmp");
            Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("could not copy {} to {}: {}", file, s.mirrorDir(), e.getMessage());
        }
    }
}
