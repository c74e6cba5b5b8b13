package dev.eve.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.backend.cpu.Parallel;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs our row-kernel and attention benchmarks (JMH) and PyTorch on the same shapes with the same
 * thread count, in one go, and prints the ratio. Usage:
 * <pre>java -jar eve-bench/target/benchmarks.jar ... or
 * java --add-modules jdk.incubator.vector -cp eve-bench/target/benchmarks.jar dev.eve.bench.PeerReport [--out FILE] [--quick]</pre>
 */
public final class PeerReport {

    private PeerReport() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of("eve-bench/target/peer-report.jsonl");
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--quick" -> quick = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (use --out FILE, --quick)");
            }
        }
        int threads = Parallel.threads();
        var opts = new OptionsBuilder()
                .include("RowKernelsBenchmark|AttentionBenchmark")
                .jvmArgsAppend("-Deve.num.threads=" + threads)
                .timeUnit(TimeUnit.MILLISECONDS);
        if (quick) opts.warmupIterations(2).measurementIterations(3);
        Options options = opts.build();
        Collection<RunResult> results = new Runner(options).run();

        String python = TorchPeer.findPython();
        Map<String, TorchPeer.Timing> peer = new LinkedHashMap<>();
        if (python == null) {
            System.err.println("PyTorch not found (set EVE_PYTHON to a python with torch): reporting eve alone");
        } else {
            for (TorchPeer.Timing t : TorchPeer.run(python, threads, List.of("rows", "attention")))
                peer.put(t.benchmark() + "|" + t.param(), t);
        }

        List<Map<String, Object>> rows = new ArrayList<>();
        for (RunResult r : results) {
            var params = r.getParams();
            String bench = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.', params.getBenchmark().lastIndexOf('.') - 1) + 1);
            String param = params.getParamsKeys().isEmpty() ? "" : params.getParam(params.getParamsKeys().iterator().next());
            double ms = toMillis(r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreUnit());
            TorchPeer.Timing t = peer.get(bench + "|" + param);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("benchmark", bench);
            row.put("param", param);
            row.put("threads", threads);
            row.put("eve_ms", ms);
            if (t != null) {
                row.put("peer", t.peer());
                row.put("peer_ms", t.ms());
                row.put("speedup_vs_peer", t.ms() / ms);
            }
            rows.add(row);
        }
        print(rows);
        Files.createDirectories(out.toAbsolutePath().getParent());
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

    private static void print(List<Map<String, Object>> rows) {
        System.out.println();
        System.out.println("| benchmark | shape | eve (ms) | PyTorch (ms) | speed-up |");
        System.out.println("|---|---|---:|---:|---:|");
        for (var r : rows) {
            Object peerMs = r.get("peer_ms");
            System.out.printf(Locale.ROOT, "| %s | %s | %.3f | %s | %s |%n", r.get("benchmark"), r.get("param"), (double) r.get("eve_ms"),
                    peerMs == null ? "-" : String.format(Locale.ROOT, "%.3f", (double) peerMs),
                    peerMs == null ? "-" : String.format(Locale.ROOT, "%.2fx", (double) r.get("speedup_vs_peer")));
        }
    }
}
