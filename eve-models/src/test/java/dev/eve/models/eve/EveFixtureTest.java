package dev.eve.models.eve;

import dev.eve.core.io.SafeTensors;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.core.testing.Fixtures;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.MoeParams;
import dev.eve.models.eve.heads.RetrievalModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The whole EVE model against the outputs and gradients of the original PyTorch code
 * (fixtures/eve, README there): every mode, layer, MoE routing decision and head, and every
 * parameter gradient of the fixture's training loss.
 */
class EveFixtureTest {

    /**
     * Where the model and inputs live: {@code -Deve.test.device=cuda} (gpu/run-on-gpu.sh runs these
     * tests on the GPU that way), or {@code -Deve.test.device=fake}, the test-only device of
     * {@link dev.eve.models.fakedevice.FakeDevice} that throws on any tensor left on the CPU; the CPU
     * by default. Expected tensors stay on the CPU.
     */
    static final Device DEVICE = Device.parse(System.getProperty("eve.test.device", "cpu"));

    static Map<String, Tensor> onDevice(Map<String, Tensor> tensors) {
        if (DEVICE.isCpu()) return tensors;
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        tensors.forEach((k, t) -> out.put(k, t.to(DEVICE)));
        return out;
    }

    static Path caseDir(String name) {
        return Fixtures.path("fixtures/eve/" + name + "/config.json").getParent();
    }

    private static final java.util.Map<String, Path> ASSEMBLED = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A task checkpoint of a case. tiny-top2's retrieval checkpoint lives in eve-core's test
     * resources; the VQA and NLVR2 ones are stored as their heads only (their backbone is the
     * retrieval checkpoint's, byte for byte) and are put together here once.
     */
    static Path checkpoint(String name, Task task) {
        if (task == Task.RETRIEVAL) {
            Path p = caseDir(name).resolve("retrieval.safetensors");
            return Files.exists(p) ? p : Fixtures.path("fixtures/eve/" + name + "/retrieval.safetensors");
        }
        return ASSEMBLED.computeIfAbsent(name + "/" + task.key(), k -> {
            java.util.Map<String, Tensor> full = new java.util.LinkedHashMap<>();
            SafeTensors.load(checkpoint(name, Task.RETRIEVAL)).forEach((key, t) -> {
                if (key.startsWith("backbone.")) full.put(key, t);
            });
            full.putAll(SafeTensors.load(caseDir(name).resolve(task.key() + ".heads.safetensors")));
            try {
                Path file = Files.createTempDirectory("eve-ckpt").resolve(task.key() + ".safetensors");
                SafeTensors.save(file, full);
                file.toFile().deleteOnExit();
                return file;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    static EveConfig config(String name) {
        // The fixtures zero the original's Gumbel noise: that is our eval default anyway.
        EveConfig c = EveConfig.load(caseDir(name).resolve("config.json"));
        return c.withMoe(c.moe().withNoise(MoeParams.GumbelNoise.NEVER));
    }

    static Module load(String name, Task task) {
        EveConfig c = config(name);
        Module m = EveModels.build(c, task, new Generator(0));
        EveCheckpoint.load(m, checkpoint(name, task), c, true);
        m.to(DEVICE);
        return m;
    }

    /** max|a - e| / max(1, max|e|) <= tol, the criterion. */
    static void assertNear(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double maxAbs = 1, maxErr = 0;
        int worst = -1;
        for (int i = 0; i < e.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(e[i]));
            double err = Math.abs(a[i] - e[i]);
            if (!(err <= maxErr)) {
                maxErr = err;
                worst = i;
            }
        }
        if (!(maxErr / maxAbs <= tol))
            fail(String.format("%s: max error %.3g at %d (expected %s, got %s) over scale %.3g", what, maxErr, worst,
                    worst >= 0 ? e[worst] : "?", worst >= 0 ? a[worst] : "?", maxAbs));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-top2", "tiny-capacity"})
    void forwardMatchesTheOriginalInEveryModeLayerRouterAndHead(String name) {
        Map<String, Tensor> inputs = onDevice(SafeTensors.load(caseDir(name).resolve("inputs.safetensors")));
        Map<String, Tensor> expected = SafeTensors.load(caseDir(name).resolve("expected.safetensors"));
        List<String> checked = new ArrayList<>();
        for (Task task : new Task[] {Task.RETRIEVAL, Task.VQA, Task.NLVR}) {
            Map<String, Tensor> got = new FeatureExtractor(load(name, task)).run(inputs);
            for (Map.Entry<String, Tensor> e : expected.entrySet()) {
                String key = e.getKey();
                boolean head = key.startsWith(task.key() + ".");
                boolean backbone = task == Task.RETRIEVAL && !key.startsWith("retrieval.") && !key.startsWith("vqa.") && !key.startsWith("nlvr.");
                if (!head && !backbone) continue;
                if (key.endsWith(".combine_weights")) continue;   // dense (S,E,C) form, checked through weights and slots
                Tensor actual = got.get(key);
                if (actual == null) fail(name + ": no output named " + key);
                if (e.getValue().dtype().isInteger()) {
                    assertArrayEquals(e.getValue().toLongArray(), actual.toLongArray(), name + ": " + key);
                } else {
                    assertNear(e.getValue(), actual, 1e-4, name + ": " + key);
                }
                checked.add(key);
            }
        }
        // Every fixture tensor except the dense combine weights was compared.
        long total = expected.keySet().stream().filter(k -> !k.endsWith(".combine_weights")).count();
        assertEquals(total, checked.size(), "compared " + checked.size() + " of " + total);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-top2", "tiny-capacity"})
    void everyParameterGradientMatches(String name) {
        Map<String, Tensor> inputs = onDevice(SafeTensors.load(caseDir(name).resolve("inputs.safetensors")));
        Map<String, Tensor> grads = SafeTensors.load(caseDir(name).resolve("grads.safetensors"));
        RetrievalModel model = (RetrievalModel) load(name, Task.RETRIEVAL);
        // The fixture trains with every dropout at p = 0 and capacity factor 1.0 in both modes, so
        // eval mode computes the same function; gradients are recorded all the same.
        model.eval();
        MultiwayTransformer b = model.backbone();
        var enc = b.forwardDetailed(inputs.get("image"), inputs.get("text_ids"), inputs.get("text_atts"), Mode.VL, false);
        Tensor out = enc.hidden();
        Tensor probe = out.mul(inputs.get("grad_probe")).sum().div(out.numel());
        Tensor aux = enc.auxLossMean();
        Tensor loss = probe.add(aux.mul(0.001));
        assertNear(grads.get("loss").reshape(), loss, 1e-5, name + ": loss");
        assertNear(grads.get("loss_aux_mean").reshape(), aux, 1e-5, name + ": aux");
        assertNear(grads.get("vl.out.train"), out, 1e-4, name + ": vl.out.train");
        loss.backward();
        int compared = 0;
        for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
            Tensor expected = grads.get(p.getKey());
            assertTrue(expected != null, name + ": no fixture gradient for " + p.getKey());
            Tensor g = p.getValue().grad() == null ? Tensor.zerosLike(p.getValue()) : p.getValue().grad();
            assertNear(expected, g, 1e-3, name + ": grad " + p.getKey());
            compared++;
        }
        assertEquals(model.namedParameters().size(), compared);
    }
}
