package dev.eve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.backend.cpu.Parallel;
import dev.eve.models.eve.ForwardBenchmark;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The EVE-Base forward pass (vl mode, eval, batch 8, 224 px, 40 text tokens) here and in the
 * ORIGINAL PyTorch code on the same machine, same threads, in one run. The original is imported from
 * a checkout given by {@code --eve PATH} or {@code EVE_CHECKOUT} (github ssyze/EVE). Usage:
 * <pre>java --add-modules jdk.incubator.vector -cp eve-bench/target/benchmarks.jar dev.eve.bench.ModelReport --eve PATH</pre>
 */
public final class ModelReport {

    private ModelReport() {}

    public static void main(String[] args) throws Exception {
        String eve = System.getenv("EVE_CHECKOUT");
        String preset = "base";
        int batch = 8, res = 224, text = 40, runs = 5;
        Path out = Path.of("eve-bench/target/model-report.jsonl");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--eve" -> eve = args[++i];
                case "--preset" -> preset = args[++i];
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--image-res" -> res = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        ObjectMapper json = new ObjectMapper();
        Map<String, Object> ours = ForwardBenchmark.run(new ForwardBenchmark.Settings(preset, batch, res, text, 2, runs));
        List<String> lines = new ArrayList<>(List.of(json.writeValueAsString(ours)));
        System.out.println(lines.get(0));
        String python = TorchPeer.findPython();
        if (eve == null || python == null) {
            System.err.println("original EVE not measured: pass --eve PATH (a checkout of ssyze/EVE) and have a python with torch");
        } else {
            Path script = Files.createTempFile("eve_original_forward", ".py");
            try (InputStream in = ModelReport.class.getResourceAsStream("/peers/eve_original_forward.py")) {
                Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            ProcessBuilder pb = new ProcessBuilder(python, script.toString(), eve, "--preset", preset, "--batch", "" + batch,
                    "--image-res", "" + res, "--text-len", "" + text, "--threads", "" + Parallel.threads(), "--runs", "" + runs)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            TorchPeer.peerEnvironment(pb);
            Process p = pb.start();
            String peerLine = null;
            for (String l : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n"))
                if (l.startsWith("{")) peerLine = l;
            p.waitFor();
            Files.deleteIfExists(script);
            if (peerLine == null) throw new IllegalStateException("the original EVE benchmark printed no result (exit " + p.exitValue() + ")");
            JsonNode peer = json.readTree(peerLine);
            lines.add(peerLine);
            double speedup = peer.get("median_ms").asDouble() / ((Number) ours.get("median_ms")).doubleValue();
            System.out.println(peerLine);
            System.out.printf("%n| model | batch | image | eve-java (ms) | original PyTorch (ms) | speed-up |%n|---|---:|---:|---:|---:|---:|%n"
                            + "| EVE-%s vl forward | %d | %d px | %.0f | %.0f | %.2fx |%n", preset, batch, res,
                    ((Number) ours.get("median_ms")).doubleValue(), peer.get("median_ms").asDouble(), speedup);
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, lines);
    }
}
