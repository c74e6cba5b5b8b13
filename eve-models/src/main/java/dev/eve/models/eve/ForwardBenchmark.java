package dev.eve.models.eve;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.backend.cpu.Parallel;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.MoeParams;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Times the vl forward pass of a randomly initialised EVE backbone in eval mode. */
public final class ForwardBenchmark {

    /** Settings of a run. */
    public record Settings(String preset, int batch, int imageRes, int textLen, int warmup, int runs) {
        public Settings {
            if (batch < 1 || runs < 1 || warmup < 0) throw new IllegalArgumentException("batch and runs must be >= 1, warmup >= 0");
        }
    }

    private ForwardBenchmark() {}

    /** Runs the benchmark; the result is what {@code eve bench forward} prints as JSON. */
    public static Map<String, Object> run(Settings s) {
        EveConfig c = EveConfig.preset(s.preset()).withImageRes(s.imageRes()).withTextLength(s.textLen());
        c = c.withMoe(c.moe().withNoise(MoeParams.GumbelNoise.NEVER));
        Generator gen = new Generator(1);
        long t0 = System.nanoTime();
        MultiwayTransformer model = new MultiwayTransformer(c, gen);
        model.eval();
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        Tensor image = Tensor.randn(gen, s.batch(), 3, s.imageRes(), s.imageRes());
        Tensor ids = Tensor.randint(gen, 0, c.vocabSize(), s.batch(), s.textLen());
        Tensor atts = Tensor.ones(s.batch(), s.textLen()).to(DType.I64);
        double[] ms = new double[s.runs()];
        try (var ignored = NoGrad.enter()) {
            for (int i = 0; i < s.warmup(); i++) model.forward(image, ids, atts, Mode.VL);
            for (int i = 0; i < s.runs(); i++) {
                long start = System.nanoTime();
                model.forward(image, ids, atts, Mode.VL);
                ms[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        int tokens = s.batch() * (c.numVisionTokens() + s.textLen());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("benchmark", "forward");
        r.put("impl", "eve-java");
        r.put("preset", s.preset());
        r.put("mode", "vl");
        r.put("batch", s.batch());
        r.put("image_res", s.imageRes());
        r.put("text_len", s.textLen());
        r.put("threads", Parallel.threads());
        r.put("parameters", model.numParameters());
        r.put("build_s", round(buildSeconds, 100));
        r.put("median_ms", round(median, 10));
        r.put("min_ms", round(sorted[0], 10));
        r.put("runs_ms", Arrays.stream(ms).map(v -> round(v, 10)).toArray());
        r.put("tokens_per_s", Math.round(tokens / (median / 1000)));
        return r;
    }

    private static double round(double v, double scale) {
        return Math.round(v * scale) / scale;
    }
}
