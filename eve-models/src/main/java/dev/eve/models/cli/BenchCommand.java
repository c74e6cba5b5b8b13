package dev.eve.models.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.autograd.NoGrad;
import dev.eve.core.backend.cpu.Parallel;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.MoeParams;
import dev.eve.models.eve.Mode;
import dev.eve.models.eve.MultiwayTransformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
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
        if (batch < 1 || runs < 1 || warmup < 0) throw new IllegalArgumentException("--batch and --runs must be >= 1, --warmup >= 0");
        if (threads != null) Parallel.setThreads(threads);
        EveConfig c = EveConfig.preset(preset).withImageRes(imageRes).withTextLength(textLen);
        c = c.withMoe(c.moe().withNoise(MoeParams.GumbelNoise.NEVER));
        Generator gen = new Generator(1);
        long t0 = System.nanoTime();
        MultiwayTransformer model = new MultiwayTransformer(c, gen);
        model.eval();
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        Tensor image = Tensor.randn(gen, batch, 3, imageRes, imageRes);
        Tensor ids = Tensor.randint(gen, 0, c.vocabSize(), batch, textLen);
        Tensor atts = Tensor.ones(batch, textLen).to(dev.eve.core.tensor.DType.I64);
        double[] ms = new double[runs];
        try (var ignored = NoGrad.enter()) {
            for (int i = 0; i < warmup; i++) model.forward(image, ids, atts, Mode.VL);
            for (int i = 0; i < runs; i++) {
                long s = System.nanoTime();
                model.forward(image, ids, atts, Mode.VL);
                ms[i] = (System.nanoTime() - s) / 1e6;
            }
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        int tokens = batch * (c.numVisionTokens() + textLen);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("benchmark", "forward");
        r.put("preset", preset);
        r.put("mode", "vl");
        r.put("batch", batch);
        r.put("image_res", imageRes);
        r.put("text_len", textLen);
        r.put("threads", Parallel.threads());
        r.put("parameters", model.numParameters());
        r.put("build_s", Math.round(buildSeconds * 100) / 100.0);
        r.put("median_ms", Math.round(median * 10) / 10.0);
        r.put("min_ms", Math.round(sorted[0] * 10) / 10.0);
        r.put("runs_ms", Arrays.stream(ms).map(v -> Math.round(v * 10) / 10.0).toArray());
        r.put("tokens_per_s", Math.round(tokens / (median / 1000)));
        System.out.println(new ObjectMapper().writeValueAsString(r));
        return 0;
    }
}
