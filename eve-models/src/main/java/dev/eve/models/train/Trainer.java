package dev.eve.models.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.eve.core.autograd.NoGrad;
import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.io.AtomicFiles;
import dev.eve.core.io.SafeTensors;
import dev.eve.core.nn.Module;
import dev.eve.core.optim.AdamW;
import dev.eve.core.optim.GradClip;
import dev.eve.core.optim.LrSchedule;
import dev.eve.core.optim.LrScheduler;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /**
     * What to do when the loss or a gradient of a step is NaN or infinite: stop the run (naming the
     * step and the first non-finite tensor) or skip the step (no update; {@code skipped} in the
     * metrics). Checkpoints are never written with non-finite values in either mode.
     */
    public enum NonFinite { STOP, SKIP }

    /** A run stopped at a step whose loss or gradient was NaN or infinite. */
    public static final class NonFiniteException extends IllegalStateException {
        private final int epoch, step;
        private final long globalStep;
        private final String tensor;

        NonFiniteException(String message, int epoch, int step, long globalStep, String tensor) {
            super(message);
            this.epoch = epoch;
            this.step = step;
            this.globalStep = globalStep;
            this.tensor = tensor;
        }

        public int epoch() {
            return epoch;
        }

        /** The step within the epoch (0-based, as {@code step} in the metrics). */
        public int step() {
            return step;
        }

        /** The global step (1-based, as {@code global_step} in the metrics). */
        public long globalStep() {
            return globalStep;
        }

        /** {@code "loss"}, the parameter whose gradient is the first non-finite one, or a description. */
        public String tensor() {
            return tensor;
        }
    }

    /** The files the trainer writes atomically (their leftovers from a killed run are removed). */
    private static final List<String> OUTPUT_FILES = List.of("checkpoint_latest.safetensors", "model_best.safetensors", "summary.json");

    private final M master;
    private final Supplier<M> replicaFactory;
    private final Task<M, E> task;
    private final Settings s;
    private final Set<String> newParams;
    private final List<Device> devices;

    /** {@code settings.replicas()} replicas on the master's device. */
    public Trainer(M master, Supplier<M> replicaFactory, Task<M, E> task, Settings settings, Set<String> newParams) {
        this(master, replicaFactory, task, settings, newParams, null);
    }

    /**
     * Replica r on {@code devices.get(r)} (as many as {@code settings.replicas()}; the first is the
     * master's device; null: all on the master's). When the replicas' groups span machines (a
     * torchrun-style job), the batch is split over every replica of the job, and only the process
     * holding rank 0 writes checkpoints, metrics and evaluations.
     */
    public Trainer(M master, Supplier<M> replicaFactory, Task<M, E> task, Settings settings, Set<String> newParams, List<Device> devices) {
        if (devices != null && devices.size() != settings.replicas())
            throw new IllegalArgumentException(devices.size() + " replica devices for " + settings.replicas() + " replicas");
        this.master = master;
        this.replicaFactory = replicaFactory;
        this.task = task;
        this.s = settings;
        this.newParams = newParams;
        this.devices = devices == null ? null : List.copyOf(devices);
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
        // Every machine of a multi-node job resumes from the same checkpoint (a shared output folder):
        // each steps its own master, so their weights and optimizer states must start equal.
        TrainingCheckpoint.Position pos = new TrainingCheckpoint.Position(0, 0, 0, Double.NEGATIVE_INFINITY, -1, 0);
        if (s.resume() && TrainingCheckpoint.exists(latestCheckpoint())) {
            checkSameRun(TrainingCheckpoint.info(latestCheckpoint()));
            pos = TrainingCheckpoint.load(latestCheckpoint(), master, opt);
            LOG.info("resuming from {} at epoch {} step {}", latestCheckpoint(), pos.epoch(), pos.step());
        }
        try (DataParallel<M> dp = devices == null ? new DataParallel<>(master, replicaFactory, s.replicas())
                : new DataParallel<>(master, replicaFactory, devices)) {
            if (s.globalBatch() % dp.worldSize() != 0)
                throw new IllegalArgumentException("the batch (" + s.globalBatch() + ") must be a multiple of the replicas of the whole job ("
                        + dp.worldSize() + ")");
            return fit(dp, data, stepsPerEpoch, schedule, opt, pos);
        }
    }

    private Map<String, Object> fit(DataParallel<M> dp, List<E> data, int stepsPerEpoch, LrSchedule schedule, AdamW opt,
                                    TrainingCheckpoint.Position pos) throws IOException {
        // The other machines of a multi-node job train in step but leave every file to rank 0's process.
        boolean writes = dp.isLeader();
        // A run killed while writing leaves temporary files next to the outputs; they are never read.
        if (writes) for (String f : OUTPUT_FILES) AtomicFiles.removeStaleTemporaries(s.outputDir().resolve(f));
        LrScheduler scheduler = new LrScheduler(opt, schedule, s.lr(), pos.globalStep());
        Map<String, Object> lastEval = Map.of();
        // Resumed: the metrics lines written after the checkpoint (before a crash) are dropped, so the
        // file ends up as an uninterrupted run's. A fresh start (no checkpoint) empties it.
        try (MetricsLog metrics = writes ? MetricsLog.resume(s.outputDir().resolve("metrics.jsonl"), pos.metricsBytes()) : null) {
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
                        Map<String, Object> logs;
                        try {
                            logs = trainStep(dp, opt, data, perm, epoch, step, globalStep);
                        } catch (NonFiniteException e) {
                            Map<String, Object> row = new LinkedHashMap<>();
                            row.put("epoch", epoch);
                            row.put("step", step);
                            row.put("global_step", globalStep + 1);
                            row.put("nonfinite", e.tensor());
                            row.put("stopped", 1.0);
                            if (writes) metrics.log(row);
                            throw e;
                        }
                        scheduler.step();
                        globalStep++;
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("epoch", epoch);
                        row.put("step", step);
                        row.put("global_step", globalStep);
                        row.put("lr", opt.lr());
                        row.putAll(logs);
                        if (writes) metrics.log(row);
                        bar.step(String.format(" loss %.4f", logs.get("loss") instanceof Double d ? d : Double.NaN));
                        if (writes && s.checkpointEvery() > 0 && (step + 1) % s.checkpointEvery() == 0 && step + 1 < stepsPerEpoch)
                            saveLatest(opt, metrics, new TrainingCheckpoint.Position(epoch, step + 1, globalStep, best, bestEpoch, 0));
                    }
                }
                dp.train(false);
                if (!writes) continue;   // evaluation and checkpoints are rank 0's
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
                    Map<String, Tensor> state = master.stateDict();
                    String bad = TrainingCheckpoint.firstNonFinite(state);
                    if (bad != null) throw new TrainingCheckpoint.NonFiniteStateException(bestFile, bad);
                    SafeTensors.save(bestFile, state, Map.of("epoch", Integer.toString(epoch), "score", Double.toString(score)));
                    mirror(bestFile);
                }
                saveLatest(opt, metrics, new TrainingCheckpoint.Position(epoch + 1, 0, globalStep, best, bestEpoch, 0));
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("task", task.name());
            summary.put("epochs", s.epochs());
            summary.put("steps", globalStep);
            summary.put("best_epoch", bestEpoch);
            summary.put("best_score", best);
            summary.put("last_eval", lastEval);
            if (writes) {
                Path file = s.outputDir().resolve("summary.json");
                AtomicFiles.write(file, JSON.writeValueAsBytes(summary));
                mirror(file);
                mirror(s.outputDir().resolve("metrics.jsonl"));
            }
            return summary;
        }
    }

    private Map<String, Object> trainStep(DataParallel<M> dp, AdamW opt, List<E> data, int[] perm, int epoch, int step, long globalStep) {
        // Shards are cut by rank in the whole job (replicas on other machines take theirs).
        int micro = s.accumulate(), shard = s.globalBatch() / dp.worldSize();
        Map<String, Double> logs = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, Tensor> accumulated = new LinkedHashMap<>();
        double lossSum = 0;
        for (int m = 0; m < micro; m++) {
            int base = (step * micro + m) * s.globalBatch();
            Generator[] gens = new Generator[dp.size()];
            for (int r = 0; r < gens.length; r++) gens[r] = new Generator(seed(s.seed(), 0x57E9, globalStep, m, dp.globalRank(r)));
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
            if (dp.spansProcesses()) lossSum += dp.globalMean(losses);   // the same on every machine: they decide alike on NaN
            else for (double l : losses) lossSum += l / losses.length;
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
        // Checked at the step it appears: the loss first, then every gradient (the norm is NaN or
        // infinite exactly when one is, or when the sum of squares overflows).
        String culprit = null;
        double norm = Double.NaN;
        if (!Double.isFinite(loss)) culprit = "loss";
        else {
            norm = GradClip.totalNorm(opt.parameters());
            if (!Double.isFinite(norm)) culprit = firstNonFiniteGradient(norm);
        }
        if (culprit != null) {
            String where = "epoch " + epoch + " step " + step + " (global step " + (globalStep + 1) + ")";
            String what = culprit.equals("loss") ? "loss (" + loss + ")" : culprit.startsWith("gradient norm") ? culprit
                    : "gradient of " + culprit;
            // A weight that is itself NaN or infinite comes first (it is the cause); skipping cannot repair it.
            String brokenWeight = firstNonFiniteParameter();
            if (brokenWeight != null)
                throw new NonFiniteException("non-finite " + what + " at " + where + "; first non-finite tensor: the parameter "
                        + brokenWeight + " itself" + (s.onNonFinite() == NonFinite.SKIP ? ", so skipping steps cannot recover" : "")
                        + " (the last checkpoint is kept)", epoch, step, globalStep + 1, brokenWeight);
            if (s.onNonFinite() == NonFinite.STOP)
                throw new NonFiniteException("non-finite " + what + " at " + where + "; first non-finite tensor: " + culprit
                        + " (the last checkpoint is kept)", epoch, step, globalStep + 1, culprit);
            LOG.warn("skipping {}: non-finite {}", where, what);
            master.zeroGrad();
            Map<String, Object> skipped = new LinkedHashMap<>(logs);
            skipped.put("loss", loss);
            skipped.put("skipped", 1.0);
            skipped.put("nonfinite", culprit);
            return skipped;
        }
        if (s.clipNorm() > 0) GradClip.clipGradNorm(opt.parameters(), s.clipNorm());
        opt.step();
        dp.syncWeights();
        Map<String, Object> out = new LinkedHashMap<>(logs);
        out.put("loss", loss);
        out.put("grad_norm", norm);
        return out;
    }

    /** The parameter whose gradient is the first non-finite one (in parameter order). */
    private String firstNonFiniteGradient(double norm) {
        for (Map.Entry<String, Tensor> p : master.namedParameters().entrySet()) {
            Tensor g = p.getValue().grad();
            if (g != null && !g.allFinite()) return p.getKey();
        }
        return "gradient norm " + norm + " (every gradient is finite; their sum of squares overflows)";
    }

    private String firstNonFiniteParameter() {
        for (Map.Entry<String, Tensor> p : master.namedParameters().entrySet())
            if (!p.getValue().allFinite()) return p.getKey();
        return null;
    }

    /** A resumed run must continue the same run: the same task, seed and batch (else it would not be exact). */
    private void checkSameRun(Map<String, Object> info) {
        Map<String, Object> now = runInfo();
        for (String key : List.of("task", "seed", "batch")) {
            Object was = info.get(key);
            if (was != null && !String.valueOf(was).equals(String.valueOf(now.get(key))))
                throw new IllegalArgumentException(latestCheckpoint() + " was written with " + key + " " + was + " but this run has "
                        + key + " " + now.get(key) + "; resume with the same settings or use a new output directory");
        }
    }

    private Map<String, Object> runInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("task", task.name());
        info.put("seed", s.seed());
        info.put("batch", s.globalBatch());
        info.put("replicas", s.replicas());
        return info;
    }

    /**
     * Writes checkpoint_latest (atomically; refused, keeping the last good file, when a weight or an
     * optimizer moment is not finite). The metrics are synced first and their length recorded, so a
     * resume cuts the log back to this point.
     */
    private void saveLatest(AdamW opt, MetricsLog metrics, TrainingCheckpoint.Position at) {
        metrics.sync();
        TrainingCheckpoint.Position pos = new TrainingCheckpoint.Position(at.epoch(), at.step(), at.globalStep(), at.best(),
                at.bestEpoch(), metrics.size());
        TrainingCheckpoint.save(latestCheckpoint(), master, opt, pos, runInfo());
        mirror(latestCheckpoint());
    }

    /** Copies a finished output file to the second output location, if any (atomically there too). */
    private void mirror(Path file) {
        if (s.mirrorDir() == null || !Files.exists(file)) return;
        try {
            Path target = s.mirrorDir().resolve(file.getFileName());
            AtomicFiles.write(target, out -> Files.copy(file, out));
        } catch (UncheckedIOException e) {
            LOG.warn("could not copy {} to {}: {}", file, s.mirrorDir(), e.getMessage());
        }
    }
}
