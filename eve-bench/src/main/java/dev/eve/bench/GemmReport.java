package dev.eve.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.backend.cpu.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link GemmBenchmark} (JMH) and prints, per shape and layout, GFLOP/s of our SGEMM and of OpenBLAS with
 * the same thread count and their ratio; writes the table as JSON lines. Usage:
 * <pre>env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java --add-modules jdk.incubator.vector \
 *     -cp eve-bench/target/benchmarks.jar dev.eve.bench.GemmReport [--out FILE] [JMH options...]</pre>
 * Any other arguments go to JMH, e.g. {@code -wi 2 -i 3 -p shape=2048x2048x2048 -p layout=NT}. The default
 * output is {@code eve-bench/target/gemm-report.jsonl}. The thread count is {@code EVE_NUM_THREADS} (else
 * all cores), passed on to the forked JVM.
 */
public final class GemmReport {

    private GemmReport() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of("eve-bench/target/gemm-report.jsonl");
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out")) {
                if (i + 1 == args.length) throw new IllegalArgumentException("--out needs a file name");
                out = Path.of(args[++i]);
            } else {
                jmhArgs.add(args[i]);
            }
        }
        GemmBenchmark.warnIfOpenBlasPinned();
        int threads = Parallel.threads();
        Options options = new OptionsBuilder()
                .parent(new CommandLineOptions(jmhArgs.toArray(String[]::new)))
                .include(GemmBenchmark.class.getName() + "\\.")
                .jvmArgsAppend("-Deve.num.threads=" + threads)
                .timeUnit(TimeUnit.MILLISECONDS)
                .build();
        Collection<RunResult> results = new Runner(options).run();

        // (shape, layout) -> backend -> {mean ms, error ms, best iteration ms}
        Map<String, Map<String, double[]>> byCase = new LinkedHashMap<>();
        for (RunResult r : results) {
            var p = r.getParams();
            String unit = r.getPrimaryResult().getScoreUnit();
            double ms = toMillis(r.getPrimaryResult().getScore(), unit);
            double err = toMillis(r.getPrimaryResult().getScoreError(), unit);
            double best = Double.POSITIVE_INFINITY;
            for (BenchmarkResult br : r.getBenchmarkResults())
                for (IterationResult ir : br.getIterationResults())
                    best = Math.min(best, toMillis(ir.getPrimaryResult().getScore(), unit));
            byCase.computeIfAbsent(p.getParam("shape") + "|" + p.getParam("layout"), x -> new LinkedHashMap<>())
                    .put(p.getParam("backend"), new double[] {ms, err, best});
        }

        List<Map<String, Object>> rows = new ArrayList<>();
        for (var e : byCase.entrySet()) {
            String[] key = e.getKey().split("\\|");
            int[] d = EveShapes.parse(key[0]);
            double flops = 2.0 * d[0] * d[1] * d[2];
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("shape", key[0]);
            row.put("layout", key[1]);
            row.put("threads", threads);
            for (String backend : List.of("eve", "openblas")) {
                double[] t = e.getValue().get(backend);
                if (t == null) continue;
                row.put(backend + "_ms", t[0]);
                if (Double.isFinite(t[1])) row.put(backend + "_ms_error", t[1]);   // NaN with one iteration
                row.put(backend + "_gflops", flops / (t[0] * 1e-3) / 1e9);
                row.put(backend + "_best_gflops", flops / (t[2] * 1e-3) / 1e9);
            }
            if (row.containsKey("eve_gflops") && row.containsKey("openblas_gflops")) {
                row.put("ratio", (double) row.get("eve_gflops") / (double) row.get("openblas_gflops"));
                row.put("ratio_best", (double) row.get("eve_best_gflops") / (double) row.get("openblas_best_gflops"));
            }
            rows.add(row);
        }
        print(rows, threads);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (var row : rows) lines.add(json.writeValueAsString(row));
        Files.write(out, lines);
        System.out.println("wrote " + out);
    }

    static double toMillis(double score, String unit) {
        return switch (unit) {
            case "ms/op" -> score;
            case "us/op" -> score / 1e3;
            case "ns/op" -> score / 1e6;
            case "s/op" -> score * 1e3;
            default -> throw new IllegalArgumentException("unexpected JMH unit " + unit);
        };
    }

    private static void print(List<Map<String, Object>> rows, int threads) {
        System.out.println();
        System.out.println("SGEMM, " + threads + " thread(s), GFLOP/s (2 M N K per call) from the mean time of the"
                + " measurement iterations, and [from the best iteration]; shape = M x K x N");
        System.out.println("| shape | layout | eve GFLOP/s | OpenBLAS GFLOP/s | eve / OpenBLAS |");
        System.out.println("|---|---|---:|---:|---:|");
        for (var r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %s | %s [%s] | %s [%s] | %s [%s] |%n", r.get("shape"), r.get("layout"),
                    fmt(r.get("eve_gflops"), "%.1f"), fmt(r.get("eve_best_gflops"), "%.1f"),
                    fmt(r.get("openblas_gflops"), "%.1f"), fmt(r.get("openblas_best_gflops"), "%.1f"),
                    fmt(r.get("ratio"), "%.2fx"), fmt(r.get("ratio_best"), "%.2fx"));
        }
    }

    private static String fmt(Object v, String format) {
        return v == null ? "-" : String.format(Locale.ROOT, format, (double) v);
    }
}
