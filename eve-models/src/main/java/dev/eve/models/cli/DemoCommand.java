package dev.eve.models.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.models.demo.SortingDemo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code eve demo}: the built-in example that trains from scratch on this machine. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train a small transformer from scratch on a built-in synthetic task and report what it learned.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--steps", description = "Optimizer steps (default: ${DEFAULT-VALUE}).", defaultValue = "600")
    int steps;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    long seed;

    @Option(names = "--out", description = "Folder for metrics.jsonl (default: ${DEFAULT-VALUE}).", defaultValue = "runs/demo")
    Path out;

    @Option(names = "--debug", description = "Show stack traces on errors.")
    boolean debug;

    @Override
    public Integer call() throws Exception {
        if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        SortingDemo.Config defaults = SortingDemo.Config.defaults(out);
        SortingDemo.Config c = new SortingDemo.Config(steps, defaults.batchSize(), defaults.length(), defaults.vocab(),
                defaults.dim(), defaults.depth(), defaults.heads(), defaults.lr(), seed, out, defaults.printEvery());
        SortingDemo.Result r = SortingDemo.run(c);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("task", "sort_digits");
        summary.put("loss_first", round(r.firstLoss()));
        summary.put("loss_last", round(r.lastLoss()));
        summary.put("token_accuracy", round(r.tokenAccuracy()));
        summary.put("sequence_accuracy", round(r.sequenceAccuracy()));
        summary.put("chance_token_accuracy", round(1.0 / defaults.vocab()));
        summary.put("seconds", round(r.seconds()));
        summary.put("metrics", out.resolve("metrics.jsonl").toString());
        System.out.println(new ObjectMapper().writeValueAsString(summary));
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
