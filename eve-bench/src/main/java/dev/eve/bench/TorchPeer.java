package dev.eve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the PyTorch side of a comparison (resources/peers/torch_kernels.py) in a Python process. */
public final class TorchPeer {

    /** One PyTorch timing: the JMH benchmark it mirrors, its parameter and milliseconds per call. */
    record Timing(String benchmark, String param, double ms, String peer) {}

    private TorchPeer() {}

    /**
     * Runs the peer at its best: this machine sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which
     * hold OpenBLAS (under PyTorch too) to its AVX2 kernels; the peer process runs without them.
     */
    static void peerEnvironment(ProcessBuilder pb) {
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("OPENBLAS_L2_SIZE");
    }

    /**
     * The first Python that can import torch: $EVE_PYTHON, python3 on the PATH, /usr/bin/python3. The
     * wait is long: a first {@code import torch} on a fresh GPU machine loads its CUDA libraries.
     */
    public static String findPython() {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("EVE_PYTHON");
        if (env != null && !env.isBlank()) candidates.add(env);
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        for (String python : candidates) {
            try {
                Process p = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) return python;
            } catch (IOException | InterruptedException e) {
                // try the next one
            }
        }
        return null;
    }

    static List<Timing> run(String python, int threads, List<String> only) throws IOException, InterruptedException {
        Path script = Files.createTempFile("torch_kernels", ".py");
        try (InputStream in = TorchPeer.class.getResourceAsStream("/peers/torch_kernels.py")) {
            if (in == null) throw new IOException("peers/torch_kernels.py missing from the benchmark jar");
            Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--threads", Integer.toString(threads)));
        for (String o : only) {
            cmd.add("--only");
            cmd.add(o);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        peerEnvironment(pb);
        Process p = pb.start();
        List<Timing> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.startsWith("{")) continue;
                JsonNode n = json.readTree(line);
                out.add(new Timing(n.get("benchmark").asText(), n.get("param").asText(), n.get("ms").asDouble(), n.get("peer").asText()));
            }
        }
        int code = p.waitFor();
        Files.deleteIfExists(script);
        if (code != 0) throw new IOException(python + " " + script.getFileName() + " exited with " + code);
        return out;
    }
}
