package dev.eve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link ImagePipelineBenchmark} (JMH, one thread) and Pillow + numpy doing the same on the same
 * files, and prints images/s side by side with the ratio. Pillow's side, per image:
 * {@code Image.open(p).convert('RGB')}, {@code .resize((R, R), Image.BICUBIC)} and
 * {@code ((np.asarray(img, np.float32) / 255 - 0.5) / 0.5).transpose(2, 0, 1)} made contiguous (what
 * ToTensor + Normalize compute, without torch), each stage also timed alone; after a warm-up run, the median of {@code --rounds} rounds of at least 0.25 s each. Needs {@code /usr/bin/python3} with Pillow
 * ({@code apt-get install python3-pil python3-numpy}); without it only our numbers are printed.
 * Reading the numbers: numpy's normalize allocates fresh ~1.7 MB float32 arrays per image, which glibc
 * maps and unmaps every time, so page faults dominate it (keeping the arrays alive makes it ~30x
 * faster); that is the price of a fresh array per image, which torch's ToTensor pays as well, but it
 * is why {@code pipeline} favours us more than {@code decode} and {@code resize} alone do. Usage:
 * <pre>java --add-modules jdk.incubator.vector -cp eve-bench/target/benchmarks.jar dev.eve.bench.ImagePipelineReport \
 *     [--out FILE] [--python PATH] [--rounds N] [JMH options...]</pre>
 */
public final class ImagePipelineReport {

    private ImagePipelineReport() {}

    static final String PIL_SCRIPT = """
            import json, sys, time
            import numpy as np
            from PIL import Image
            d, res, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            files = [d + '/' + n for n in sys.argv[4:]]
            decoded = [Image.open(f).convert('RGB') for f in files]
            resized = [im.resize((res, res), Image.BICUBIC) for im in decoded]
            def pipeline():
                for f in files:
                    im = Image.open(f).convert('RGB').resize((res, res), Image.BICUBIC)
                    a = np.ascontiguousarray(((np.asarray(im, dtype=np.float32) / np.float32(255) - np.float32(0.5)) / np.float32(0.5)).transpose(2, 0, 1))
            def decode():
                for f in files:
                    Image.open(f).convert('RGB')
            def resize():
                for im in decoded:
                    im.resize((res, res), Image.BICUBIC)
            def normalize():
                for im in resized:
                    np.ascontiguousarray(((np.asarray(im, dtype=np.float32) / np.float32(255) - np.float32(0.5)) / np.float32(0.5)).transpose(2, 0, 1))
            out = {}
            for name, fn in (('pipeline', pipeline), ('decode', decode), ('resize', resize), ('normalize', normalize)):
                fn()
                times = []
                for _ in range(rounds):
                    n, t0 = 0, time.perf_counter()
                    while True:
                        fn(); n += 1
                        if time.perf_counter() - t0 > 0.25: break
                    times.append((time.perf_counter() - t0) / (n * len(files)))
                times.sort()
                out[name] = 1.0 / times[len(times) // 2]  # images per second, median round
            import PIL
            out['pillow'] = PIL.__version__
            out['numpy'] = np.__version__
            print(json.dumps(out))
            """;

    public static void main(String[] args) throws Exception {
        Path out = Path.of("eve-bench/target/image-pipeline-report.jsonl");
        String python = "/usr/bin/python3";
        int rounds = 9;
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--python" -> python = args[++i];
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> jmhArgs.add(args[i]);
            }
        }
        String dir = ImagePipelineBenchmark.DEFAULT_DIR;
        int res = 384;
        for (int i = 0; i + 1 < jmhArgs.size(); i++) {
            if (jmhArgs.get(i).equals("-p") && jmhArgs.get(i + 1).startsWith("dir=")) dir = jmhArgs.get(i + 1).substring(4);
            if (jmhArgs.get(i).equals("-p") && jmhArgs.get(i + 1).startsWith("res=")) res = Integer.parseInt(jmhArgs.get(i + 1).substring(4));
        }

        Map<String, Double> ours = new LinkedHashMap<>();
        for (RunResult r : new Runner(new OptionsBuilder()
                .parent(new CommandLineOptions(jmhArgs.toArray(String[]::new)))
                .include(ImagePipelineBenchmark.class.getName() + "\\.")
                .timeUnit(TimeUnit.SECONDS)
                .build()).run()) {
            String name = r.getParams().getBenchmark();
            ours.put(name.substring(name.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
        }
        JsonNode pil = runPillow(python, dir, res, rounds);

        System.out.println();
        System.out.printf(Locale.ROOT, "EVE test transform on the 4 fixture JPEGs -> %d x %d float32 CHW, 1 thread, images/s%s%n", res, res,
                pil == null ? "" : " (Pillow " + pil.get("pillow").asText() + ", numpy " + pil.get("numpy").asText() + ")");
        System.out.println("| stage | eve (Java) | Pillow + numpy | eve / Pillow |");
        System.out.println("|---|---:|---:|---:|");
        List<String> lines = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String stage : List.of("pipeline", "decode", "resize", "normalize")) {
            Double us = ours.get(stage);
            Double them = pil == null || !pil.has(stage) ? null : pil.get(stage).asDouble();
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", stage, fmt(us), fmt(them),
                    us == null || them == null ? "-" : String.format(Locale.ROOT, "%.2fx", us / them));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("stage", stage);
            row.put("res", res);
            row.put("eve_images_per_s", us);
            row.put("pillow_images_per_s", them);
            lines.add(json.writeValueAsString(row));
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.write(out, lines);
        System.out.println("wrote " + out);
    }

    private static String fmt(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%,.1f", v);
    }

    /** Pillow's images/s per stage, or null (with a note) when Python or Pillow is missing. */
    static JsonNode runPillow(String python, String dir, int res, int rounds) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(python))) {
            System.err.println(python + " not found: reporting eve alone");
            return null;
        }
        List<String> cmd = new ArrayList<>(List.of(python, "-c", PIL_SCRIPT, dir, Integer.toString(res), Integer.toString(rounds)));
        cmd.addAll(ImagePipelineBenchmark.IMAGES);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0 || stdout.isEmpty()) {
            System.err.println("Pillow run failed (apt-get install python3-pil python3-numpy): reporting eve alone");
            return null;
        }
        String[] out = stdout.split("\n");
        return new ObjectMapper().readTree(out[out.length - 1]);
    }
}
