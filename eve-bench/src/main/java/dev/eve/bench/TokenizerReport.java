package dev.eve.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.backend.cpu.Parallel;
import dev.eve.models.text.Tokenizer;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link TokenizerBenchmark} (JMH) and SentencePiece's C++ {@code spm_encode} (Debian package
 * {@code sentencepiece}, the 0.1.97 the goldens come from) on the same model and corpus in one go, and
 * prints sentences/s, tokens/s and the ratio. {@code spm_encode --model=M --output_format=id < corpus >
 * /dev/null} is timed as a whole process (start-up and model loading included, as the fixture README's
 * anchor does) after one warm-up run; the median of the runs is reported, and so is the time of the same
 * command on an empty input (its start-up cost), so the ratio can be read both ways. Usage:
 * <pre>java --add-modules jdk.incubator.vector -cp eve-bench/target/benchmarks.jar dev.eve.bench.TokenizerReport \
 *     [--out FILE] [--spm-runs N] [JMH options...]</pre>
 */
public final class TokenizerReport {

    private TokenizerReport() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of("eve-bench/target/tokenizer-report.jsonl");
        int spmRuns = 7;
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--spm-runs" -> spmRuns = Integer.parseInt(args[++i]);
                default -> jmhArgs.add(args[i]);
            }
        }
        int threads = Parallel.threads();
        Tokenizer tok = TokenizerBenchmark.loadModel();
        List<String> corpus = TokenizerBenchmark.loadCorpus();
        long tokens = 0;
        for (String s : corpus) tokens += tok.encodeIds(s, false).length;
        int sentences = corpus.size();

        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .parent(new CommandLineOptions(jmhArgs.toArray(String[]::new)))
                .include(TokenizerBenchmark.class.getName() + "\\.")
                .jvmArgsAppend("-Deve.num.threads=" + threads)
                .timeUnit(TimeUnit.MILLISECONDS)
                .build()).run();
        Map<String, Double> ms = new LinkedHashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            ms.put(name.substring(name.lastIndexOf('.') + 1), PeerReport.toMillis(r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreUnit()));
        }

        SpmTiming spm = timeSpmEncode(corpus, spmRuns);

        List<Map<String, Object>> rows = new ArrayList<>();
        for (var e : ms.entrySet()) {
            String label = switch (e.getKey()) {
                case "single" -> "eve, 1 thread, ids";
                case "singleFull" -> "eve, 1 thread, ids + pieces + offsets";
                case "batch" -> "eve, encodeBatchIds, " + threads + " threads";
                default -> e.getKey();
            };
            rows.add(row(label, e.getValue(), sentences, tokens, e.getKey().equals("batch") ? threads : 1));
        }
        if (spm != null) {
            rows.add(row("spm_encode --output_format=id (process wall, median of " + spm.runs + ")", spm.medianMs, sentences, tokens, 1));
            rows.add(row("spm_encode on an empty input (start-up only)", spm.startupMs, 0, 0, 1));
        }
        double single = ms.getOrDefault("single", Double.NaN);
        double batch = ms.getOrDefault("batch", Double.NaN);
        System.out.println();
        System.out.printf(Locale.ROOT, "spm_bpe8k.model, %d sentences, %d tokens, %d threads available%n", sentences, tokens, threads);
        System.out.println("| implementation | ms per corpus | sentences/s | tokens/s |");
        System.out.println("|---|---:|---:|---:|");
        for (var r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %.1f | %s | %s |%n", r.get("implementation"), (double) r.get("ms"),
                    fmt(r.get("sentences_per_s")), fmt(r.get("tokens_per_s")));
        }
        if (spm != null) {
            System.out.printf(Locale.ROOT, "eve 1 thread / spm_encode: %.2fx faster (%.2fx against spm_encode minus its start-up)%n",
                    spm.medianMs / single, (spm.medianMs - spm.startupMs) / single);
        }
        System.out.printf(Locale.ROOT, "batch on %d threads / 1 thread: %.2fx%n", threads, single / batch);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (var r : rows) lines.add(json.writeValueAsString(r));
        Files.write(out, lines);
        System.out.println("wrote " + out);
    }

    private static String fmt(Object v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%,.0f", (double) v);
    }

    private static Map<String, Object> row(String label, double ms, int sentences, long tokens, int threads) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("implementation", label);
        r.put("threads", threads);
        r.put("ms", ms);
        if (sentences > 0) {
            r.put("sentences_per_s", sentences / (ms / 1e3));
            r.put("tokens_per_s", tokens / (ms / 1e3));
        }
        return r;
    }

    record SpmTiming(double medianMs, double startupMs, int runs) {}

    /** Times spm_encode as a process; null (with a note) when it is not installed. */
    static SpmTiming timeSpmEncode(List<String> corpus, int runs) throws IOException, InterruptedException {
        String exe = findOnPath("spm_encode");
        if (exe == null) {
            System.err.println("spm_encode not found (apt-get install sentencepiece): reporting eve alone");
            return null;
        }
        Path dir = Files.createTempDirectory("eve-spm");
        Path model = dir.resolve("spm_bpe8k.model");
        try (InputStream in = TokenizerReport.class.getResourceAsStream(TokenizerBenchmark.MODEL)) {
            Files.write(model, in.readAllBytes());
        }
        Path text = dir.resolve("corpus.txt");
        Files.writeString(text, String.join("\n", corpus) + "\n", StandardCharsets.UTF_8);
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        runSpm(exe, model, text); // warm-up (page cache)
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) t[i] = runSpm(exe, model, text);
        double[] s = new double[runs];
        for (int i = 0; i < runs; i++) s[i] = runSpm(exe, model, empty);
        Arrays.sort(t);
        Arrays.sort(s);
        return new SpmTiming(t[runs / 2], s[runs / 2], runs);
    }

    private static double runSpm(String exe, Path model, Path input) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(exe, "--model=" + model, "--output_format=id")
                .redirectInput(input.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        long t0 = System.nanoTime();
        Process p = pb.start();
        int rc = p.waitFor();
        long t1 = System.nanoTime();
        if (rc != 0) throw new IOException("spm_encode exited with " + rc);
        return (t1 - t0) / 1e6;
    }

    private static String findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }
}
