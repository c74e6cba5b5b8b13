package dev.eve.models.demo;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.nn.F;
import dev.eve.core.optim.AdamW;
import dev.eve.core.optim.GradClip;
import dev.eve.core.optim.LrSchedule;
import dev.eve.core.optim.LrScheduler;
import dev.eve.core.optim.ParamGroup;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.train.MetricsLog;
import dev.eve.models.train.Progress;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in example: a small transformer learns to sort digit sequences from scratch with AdamW,
 * warm-up and decay, printing its loss as it falls and logging JSON-lines metrics.
 */
public final class SortingDemo {

    /** Settings of a run. */
    public record Config(int steps, int batchSize, int length, int vocab, int dim, int depth, int heads,
                         double lr, long seed, Path outDir, int printEvery) {
        public static Config defaults(Path outDir) {
            return new Config(600, 64, 10, 10, 64, 2, 4, 3e-3, 1, outDir, 50);
        }
    }

    /** What a run achieved. */
    public record Result(double firstLoss, double lastLoss, double tokenAccuracy, double sequenceAccuracy, double seconds) {}

    public static Result run(Config c) {
        Generator.manualSeed(c.seed());
        Generator gen = new Generator(c.seed());
        TinyTransformer model = new TinyTransformer(c.vocab(), c.length(), c.dim(), c.depth(), c.heads(), gen);
        List<Tensor> decay = new ArrayList<>(), noDecay = new ArrayList<>();
        model.namedParameters().forEach((name, p) -> (p.dim() < 2 ? noDecay : decay).add(p));
        AdamW opt = new AdamW(List.of(new ParamGroup("weights", decay, 0.01), new ParamGroup("biases_and_norms", noDecay, 0.0)),
                c.lr(), 0.9, 0.98, 1e-8);
        LrScheduler schedule = new LrScheduler(opt, LrSchedule.cosine(c.steps(), LrSchedule.warmupSteps(c.steps(), 0.05)));
        SortingTask task = new SortingTask(c.length(), c.vocab(), c.seed() + 1);
        SortingTask heldOut = new SortingTask(c.length(), c.vocab(), c.seed() + 2);

        long start = System.nanoTime();
        double first = Double.NaN, smoothed = Double.NaN;
        try (MetricsLog metrics = new MetricsLog(c.outDir().resolve("metrics.jsonl"), false);
             Progress bar = new Progress("sorting demo", c.steps(), "step")) {
            System.out.printf("training a %d-layer transformer (%,d parameters) to sort %d digits%n",
                    c.depth(), model.numParameters(), c.length());
            for (int step = 1; step <= c.steps(); step++) {
                Tensor[] batch = task.batch(c.batchSize());
                Tensor logits = model.forward(batch[0]);
                Tensor loss = F.crossEntropy(logits.reshape(-1, c.vocab()), batch[1].reshape(-1));
                opt.zeroGrad();
                loss.backward();
                double norm = GradClip.clipGradNorm(opt.parameters(), 1.0);
                opt.step();
                schedule.step();
                double l = loss.item();
                if (step == 1) first = smoothed = l;
                smoothed = 0.9 * smoothed + 0.1 * l;
                metrics.log("step", step, "loss", l, "lr", opt.lr(), "grad_norm", norm);
                bar.step(String.format(" loss %.4f", smoothed));
                if (step % c.printEvery() == 0 || step == 1) {
                    bar.message(String.format(" loss %.4f", smoothed));
                    System.out.printf("step %4d  loss %.4f%n", step, l);
                }
            }
            double[] acc = evaluate(model, heldOut, 512, c.vocab());
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("event", "summary");
            summary.put("loss_first", first);
            summary.put("loss_last", smoothed);
            summary.put("token_accuracy", acc[0]);
            summary.put("sequence_accuracy", acc[1]);
            summary.put("seconds", seconds);
            metrics.log(summary);
            return new Result(first, smoothed, acc[0], acc[1], seconds);
        }
    }

    /** Token and whole-sequence accuracy on fresh sequences. */
    static double[] evaluate(TinyTransformer model, SortingTask data, int n, int vocab) {
        model.eval();
        try (var ignored = NoGrad.enter()) {
            Tensor[] batch = data.batch(n);
            Tensor predicted = model.forward(batch[0]).argmax(-1, false);
            Tensor correct = predicted.eq(batch[1]);
            double token = correct.to(dev.eve.core.tensor.DType.F32).mean().item();
            double sequence = correct.all(1, false).to(dev.eve.core.tensor.DType.F32).mean().item();
            return new double[] {token, sequence};
        } finally {
            model.train();
        }
    }
}
