package dev.eve.bench.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.eve.bench.TorchPeer;
import dev.eve.core.backend.Backends;
import dev.eve.core.backend.cpu.Parallel;
import dev.eve.core.tensor.Device;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Our GPU kernels and EVE training step next to PyTorch's, same shapes, same run, ratio reported:
 * fused attention (bf16 and f32, forward and forward+backward, key padding), the MoE layer, the
 * fused masked cross-entropy, and an EVE-Base training step against the ORIGINAL EVE code in PyTorch
 * eager. Writes {@code OUT/gpu-bench.json}, {@code OUT/gpu-bench.md}, the shapes it handed the peer
 * ({@code OUT/gpu-bench-spec.json}) and the peer's log. Usage:
 * <pre>java --add-modules jdk.incubator.vector -cp JARS dev.eve.bench.gpu.GpuReport
 *     [--device cuda|cuda:N|cpu] [--tiny] [--out DIR] [--python PY] [--eve CHECKOUT]
 *     [--only attention,moe,masked_loss,train] [--warmup N] [--runs N] [--train-batch N] [--no-peer]
 *     [--budget-s S]</pre>
 * {@code --device cpu --tiny} runs everything end to end in seconds on a machine without a GPU (the
 * CI check of this report and of the peer script).
 *
 * <p>Timing (ours): warm-up runs, then every run is bracketed by a device synchronisation and timed
 * with {@link System#nanoTime()}; the median is reported. See {@link DeviceSync} for how we
 * synchronise. The peer uses CUDA events and {@code torch.cuda.synchronize()}.
 */
public final class GpuReport {

    static final List<String> SECTIONS = List.of("attention", "moe", "masked_loss", "train");

    /** Command-line settings. */
    record Settings(Device device, boolean tiny, Path out, String python, String eve, Set<String> only,
                    int warmup, int runs, int trainBatch, boolean peer, int budgetSeconds) {

        boolean wants(String section) {
            return only.isEmpty() || only.contains(section);
        }
    }

    private GpuReport() {}

    public static void main(String[] args) throws Exception {
        Settings s;
        try {
            s = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        int failures = run(s);
        System.exit(failures == 0 ? 0 : 1);
    }

    static Settings parse(String[] args) {
        Device device = Device.cuda(0);
        boolean tiny = false, peer = true;
        Path out = Path.of("gpu-out");
        String python = null, eve = System.getenv("EVE_CHECKOUT");
        Set<String> only = new LinkedHashSet<>();
        int warmup = -1, runs = -1, trainBatch = -1, budget = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--device" -> device = Device.parse(value(args, ++i, a));
                case "--tiny" -> tiny = true;
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--python" -> python = value(args, ++i, a);
                case "--eve" -> eve = value(args, ++i, a);
                case "--only" -> {
                    for (String o : value(args, ++i, a).split(",")) {
                        if (!SECTIONS.contains(o.trim())) throw new IllegalArgumentException("--only: unknown section '" + o + "' (known: " + String.join(",", SECTIONS) + ")");
                        only.add(o.trim());
                    }
                }
                case "--warmup" -> warmup = positive(value(args, ++i, a), a, 0);
                case "--runs" -> runs = positive(value(args, ++i, a), a, 1);
                case "--train-batch" -> trainBatch = positive(value(args, ++i, a), a, 1);
                case "--no-peer" -> peer = false;
                case "--budget-s" -> budget = positive(value(args, ++i, a), a, 1);
                default -> throw new IllegalArgumentException("unknown argument " + a
                        + " (use --device, --tiny, --out, --python, --eve, --only, --warmup, --runs, --train-batch, --no-peer, --budget-s)");
            }
        }
        if (warmup < 0) warmup = 3;
        if (runs < 0) runs = tiny ? 5 : 10;
        if (trainBatch < 0) trainBatch = tiny ? 2 : 32;
        return new Settings(device, tiny, out, python, eve, only, warmup, runs, trainBatch, peer, budget);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
        return args[i];
    }

    private static int positive(String v, String flag, int min) {
        try {
            int n = Integer.parseInt(v);
            if (n < min) throw new IllegalArgumentException(flag + " must be >= " + min + ", got " + v);
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects a number, got '" + v + "'");
        }
    }

    /** Runs the report; returns the number of failed cases (ours or the peer's). */
    static int run(Settings s) throws IOException, InterruptedException {
        long started = System.nanoTime();
        long deadline = s.budgetSeconds() > 0 ? started + s.budgetSeconds() * 1_000_000_000L : Long.MAX_VALUE;
        Files.createDirectories(s.out());
        if (!s.device().isCpu() && !Backends.isAvailable(s.device().type()))
            System.err.println("warning: backend '" + s.device().type() + "' reports no usable device (found backends: "
                    + Backends.deviceTypes() + "); every case will fail");
        GpuCases cases = new GpuCases(s);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Map<String, Object> spec = cases.spec();
        Path specFile = s.out().resolve("gpu-bench-spec.json");
        json.writeValue(specFile.toFile(), spec);

        // Ours first, every case guarded: one failure is a row, not the end of the report.
        Map<String, Map<String, Object>> ours = new LinkedHashMap<>();
        Map<String, JsonNode> peer = new java.util.concurrent.ConcurrentHashMap<>();
        for (GpuCases.Case c : cases.cases()) {
            long left = deadline - System.nanoTime();
            if (deadline != Long.MAX_VALUE && left < s.budgetSeconds() * 1_000_000_000L / 3) {
                ours.put(c.key(), Map.of("eve_error", "not run: out of the --budget-s " + s.budgetSeconds() + " s time budget"));
                continue;
            }
            System.err.println("eve: " + c.key());
            ours.put(c.key(), cases.measure(c));
            System.gc();
            write(s, cases, ours, peer, "PyTorch not run yet", json);
        }

        String peerNote = null;
        if (!s.peer()) {
            peerNote = "peer not run (--no-peer)";
        } else {
            String python = s.python() != null ? s.python() : TorchPeer.findPython();
            if (python == null) {
                peerNote = "no python with torch found (set --python or EVE_PYTHON)";
            } else {
                long seconds = deadline == Long.MAX_VALUE ? 3600 : Math.max(5, (deadline - System.nanoTime()) / 1_000_000_000L);
                peerNote = runPeer(python, s, specFile, peer, seconds);
            }
        }
        if (peerNote != null) System.err.println("peer: " + peerNote);
        int failures = write(s, cases, ours, peer, peerNote, json);
        System.out.println(Files.readString(s.out().resolve("gpu-bench.md")));
        System.out.println("wrote " + s.out().resolve("gpu-bench.json") + " and gpu-bench.md" + (failures == 0 ? "" : " (" + failures + " failed cases)"));
        return failures;
    }

    /** Writes gpu-bench.json and gpu-bench.md from what is known so far; returns the failed cases. */
    private static int write(Settings s, GpuCases cases, Map<String, Map<String, Object>> ours, Map<String, JsonNode> peer,
                             String peerNote, ObjectMapper json) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        int failures = 0;
        for (GpuCases.Case c : cases.cases()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("section", c.section());
            row.put("key", c.key());
            row.put("case", c.label());
            row.put("shape", c.shape());
            Map<String, Object> o = ours.get(c.key());
            if (o == null) o = Map.of("eve_error", "not run yet");
            row.putAll(o);
            if (o.containsKey("eve_error")) failures++;
            addPeer(row, peer.get(c.key()), "peer_");
            JsonNode extra = peer.get(c.key() + "|bf16-autocast");
            if (extra != null) addPeer(row, extra, "peer_autocast_");
            if (row.containsKey("peer_error")) failures++;
            if (row.get("eve_ms") instanceof Double e && row.get("peer_ms") instanceof Double pm)
                row.put("speedup_vs_peer", round(pm / e, 1000));
            rows.add(row);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("device", s.device().toString());
        report.put("tiny", s.tiny());
        report.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        report.put("cpu_threads", Parallel.threads());
        report.put("sync", DeviceSync.describe(s.device()));
        report.put("warmup", s.warmup());
        report.put("runs", s.runs());
        if (peerNote != null) report.put("peer_note", peerNote);
        report.put("rows", rows);
        json.writeValue(s.out().resolve("gpu-bench.json").toFile(), report);
        Files.writeString(s.out().resolve("gpu-bench.md"), markdown(s, rows, peerNote));
        return failures;
    }

    private static void addPeer(Map<String, Object> row, JsonNode n, String prefix) {
        if (n == null) return;
        if (n.has("error")) {
            row.put(prefix + "error", n.get("error").asText());
            return;
        }
        row.put(prefix + "ms", n.get("ms").asDouble());
        List<Double> runs = new ArrayList<>();
        n.get("runs_ms").forEach(v -> runs.add(v.asDouble()));
        row.put(prefix + "runs_ms", runs);
        row.put(prefix + "impl", n.get("impl").asText());
        if (n.has("images_per_s")) row.put(prefix + "images_per_s", n.get("images_per_s").asDouble());
        if (n.has("capacity")) row.put(prefix + "capacity", n.get("capacity").asInt());
        if (n.has("note")) row.put(prefix + "note", n.get("note").asText());
    }

    /**
     * Runs the peer script on the spec, for at most {@code seconds}; fills {@code peer} by key as lines
     * arrive (what came before a timeout is kept); returns a note when something went wrong.
     */
    static String runPeer(String python, Settings s, Path specFile, Map<String, JsonNode> peer, long seconds)
            throws IOException, InterruptedException {
        Path dir = s.out().resolve("peers");
        Files.createDirectories(dir);
        Path script = dir.resolve("torch_gpu.py");
        try (InputStream in = GpuReport.class.getResourceAsStream("/peers/gpu/torch_gpu.py")) {
            if (in == null) return "peers/gpu/torch_gpu.py missing from the class path";
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--spec", specFile.toString(),
                "--device", s.device().isCpu() ? "cpu" : s.device().toString()));
        if (!s.only().isEmpty()) cmd.addAll(List.of("--only", String.join(",", s.only())));
        Path log = s.out().resolve("gpu-bench-peer.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("OPENBLAS_L2_SIZE");
        System.err.println("peer: " + String.join(" ", cmd) + " (log: " + log + ", at most " + seconds + " s)");
        Process p = pb.start();
        // A JVM stopped from outside (the run script's timeout) takes the peer with it.
        Thread killPeer = new Thread(() -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }, "peer-killer");
        Runtime.getRuntime().addShutdownHook(killPeer);
        try {
            return awaitPeer(p, peer, seconds, log);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killPeer);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs
            }
        }
    }

    private static String awaitPeer(Process p, Map<String, JsonNode> peer, long seconds, Path log) throws InterruptedException {
        ObjectMapper json = new ObjectMapper();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (!line.startsWith("{")) continue;
                    try {
                        JsonNode n = json.readTree(line);
                        if (!n.has("key")) continue;
                        peer.put(n.get("key").asText(), n);
                        System.err.println("peer: " + n.get("key").asText() + (n.has("ms") ? " " + n.get("ms").asText() + " ms" : " " + n.path("error").asText()));
                    } catch (IOException e) {
                        System.err.println("peer: unreadable line " + line);
                    }
                }
            } catch (IOException e) {
                // the process went away
            }
        }, "peer-reader");
        reader.setDaemon(true);
        reader.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            reader.join(5_000);
            return "the peer was stopped after " + seconds + " s (time budget); cases it had not reported are missing; see " + log;
        }
        reader.join(10_000);
        return p.exitValue() == 0 ? null : "the peer exited with " + p.exitValue() + "; see " + log;
    }

    static String markdown(Settings s, List<Map<String, Object>> rows, String peerNote) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "GPU benchmarks on %s%s: median of %d runs after %d warm-up; sync: %s%n%n",
                s.device(), s.tiny() ? " (--tiny shapes: a smoke test, not a measurement)" : "", s.runs(), s.warmup(), DeviceSync.describe(s.device())));
        b.append("| case | shape | eve (ms) | PyTorch (ms) | speed-up | PyTorch side |\n|---|---|---:|---:|---:|---|\n");
        for (var r : rows) {
            String eve = !r.containsKey("eve_error") ? fmt((Double) r.get("eve_ms"))
                    : String.valueOf(r.get("eve_error")).startsWith("not run") ? "not run" : "failed";
            String peer = r.containsKey("peer_error") ? "failed" : r.containsKey("peer_ms") ? fmt((Double) r.get("peer_ms")) : "-";
            String ratio = r.containsKey("speedup_vs_peer") ? String.format(Locale.ROOT, "%.2fx", (Double) r.get("speedup_vs_peer")) : "-";
            String impl = String.valueOf(r.getOrDefault("peer_impl", ""));
            if (r.containsKey("eve_images_per_s") || r.containsKey("peer_images_per_s"))
                impl += String.format(Locale.ROOT, "; images/s: eve %s, PyTorch %s", r.getOrDefault("eve_images_per_s", "-"), r.getOrDefault("peer_images_per_s", "-"));
            if (r.containsKey("peer_autocast_ms"))
                impl += String.format(Locale.ROOT, "; PyTorch bf16 autocast %s ms (%s images/s)", fmt((Double) r.get("peer_autocast_ms")), r.getOrDefault("peer_autocast_images_per_s", "-"));
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", r.get("case"), r.get("shape"), eve, peer, ratio, impl));
        }
        List<String> errors = new ArrayList<>();
        for (var r : rows) {
            if (r.containsKey("eve_error")) errors.add("- eve " + r.get("key") + ": " + r.get("eve_error"));
            if (r.containsKey("peer_error")) errors.add("- PyTorch " + r.get("key") + ": " + r.get("peer_error"));
        }
        if (peerNote != null) errors.add("- PyTorch: " + peerNote);
        if (!errors.isEmpty()) b.append("\nNot measured:\n").append(String.join("\n", errors)).append('\n');
        b.append("\nspeed-up = PyTorch time / eve time (above 1: eve is faster).\n");
        return b.toString();
    }

    private static String fmt(Double ms) {
        if (ms == null) return "-";
        return ms >= 100 ? String.format(Locale.ROOT, "%.1f", ms) : String.format(Locale.ROOT, "%.3f", ms);
    }

    static double round(double v, double scale) {
        return Math.round(v * scale) / scale;
    }
}
