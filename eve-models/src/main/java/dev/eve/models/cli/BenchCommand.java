package dev.eve.models.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.backend.cpu.Parallel;
import dev.eve.models.eve.ForwardBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code eve bench forward}: times the vl forward pass of a randomly initialised EVE model. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark the EVE model on this machine; prints one JSON line.")
final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "What to measure: forward.", defaultValue = "forward")
    String what;

    @Option(names = "--preset", defaultValue = "base", description = "base or large (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--batch", defaultValue = "8", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--image-res", defaultValue = "224", description = "Image resolution (default: ${DEFAULT-VALUE}).")
    int imageRes;

    @Option(names = "--text-len", defaultValue = "40", description = "Text length (default: ${DEFAULT-VALUE}).")
    int textLen;

    @Option(names = "--threads", description = "Threads (default: all cores or EVE_NUM_THREADS).")
    Integer threads;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--debug", description = "Show stack traces on errors.")
    boolean debug;

    @Override
    public Integer call() throws Exception {
        if (!what.equals("forward")) throw new IllegalArgumentException("unknown benchmark '" + what + "' (known: forward)");
        if (threads != null) Parallel.setThreads(threads);
        var result = ForwardBenchmark.run(new ForwardBenchmark.Settings(preset, batch, imageRes, textLen, warmup, runs));
        System.out.println(new ObjectMapper().writeValueAsString(result));
        return 0;
    }
}
