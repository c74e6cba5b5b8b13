package dev.eve.models.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import dev.eve.core.tensor.Device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every invalid flag of {@code eve run} gets a one-line error and a non-zero exit. */
class RunCommandTest {

    static String fail(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = EveCommand.execute(args);
        } finally {
            System.setErr(old);
        }
        String text = err.toString(StandardCharsets.UTF_8).strip();
        assertTrue(code != 0, "expected a failure for " + String.join(" ", args));
        assertFalse(text.contains("\tat "), "no stack trace: " + text);
        return text;
    }

    @Test
    void invalidFlagsAreNamed(@TempDir Path tmp) {
        String out = tmp.toString(), cfg = tmp.resolve("missing.yaml").toString();
        assertTrue(fail("run", "--task", "captioning", "--config", cfg, "--output_dir", out).contains("--task must be one of"));
        assertTrue(fail("run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--bs", "0").contains("--bs must be positive"));
        assertTrue(fail("run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--lr", "-1").contains("--lr must be positive"));
        assertTrue(fail("run", "--task", "nlvr", "--config", cfg, "--output_dir", out, "--augmentation", "fancy").contains("unknown augmentation 'fancy'"));
        assertTrue(fail("run", "--task", "nlvr", "--config", cfg, "--output_dir", out, "--dist", "cuda:0").contains("no CUDA backend"));
        assertTrue(fail("run", "--task", "nlvr", "--config", cfg, "--output_dir", out, "--dist", "cpu:x").contains("--dist must be"));
        assertTrue(fail("run", "--task", "nlvr", "--config", cfg, "--output_dir", out, "--device", "tpu").contains("--device: bad device 'tpu'"));
        String noCuda = fail("run", "--task", "nlvr", "--config", cfg, "--output_dir", out, "--device", "cuda:1");
        assertTrue(noCuda.contains("no backend for device cuda:1") && noCuda.contains("eve-cuda"), noCuda);
        assertTrue(fail("run", "--task", "itr_coco", "--config", cfg, "--output_dir", out, "--k_test", "-3").contains("--k_test must be >= 0"));
        assertTrue(fail("run", "--task", "vqa", "--config", cfg, "--output_dir", out).contains("missing.yaml: no such file"));
        String unknown = fail("run", "--task", "vqa", "--config", cfg, "--output_dir", out, "--colour");
        assertTrue(unknown.contains("--colour"), unknown);
    }

    private static final ReplicaDevices.Machine NO_GPU = new ReplicaDevices.Machine(t -> false, t -> 0, 1);
    private static final ReplicaDevices.Machine TWO_GPUS = new ReplicaDevices.Machine(t -> t.equals("cuda"), t -> 2, 1);

    private static List<Device> gpus(int n) {
        List<Device> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) out.add(Device.cuda(i));
        return out;
    }

    private static String refused(String dist, String device, ReplicaDevices.Machine m) {
        String msg = assertThrows(IllegalArgumentException.class, () -> ReplicaDevices.parse(dist, device, m)).getMessage();
        assertFalse(msg.contains("\n"), "one line: " + msg);
        return msg;
    }

    @Test
    void distPlacesTheReplicas() {
        assertEquals(List.of(Device.CPU), ReplicaDevices.parse("all", null, NO_GPU));
        assertEquals(gpus(2), ReplicaDevices.parse("all", null, TWO_GPUS), "all: every GPU");
        assertEquals(List.of(Device.CPU), ReplicaDevices.parse("cpu", null, TWO_GPUS));
        assertEquals(List.of(Device.CPU, Device.CPU, Device.CPU), ReplicaDevices.parse("cpu:3", null, TWO_GPUS));
        assertEquals(List.of(Device.CPU), ReplicaDevices.parse("1", null, NO_GPU));
        assertEquals(gpus(2), ReplicaDevices.parse("cuda", null, TWO_GPUS));
        assertEquals(gpus(1), ReplicaDevices.parse(" CUDA:1 ", null, TWO_GPUS), "cuda:N: the first N GPUs");
    }

    @Test
    void deviceIsOneReplicaInsteadOfAll() {
        assertEquals(List.of(Device.cuda(1)), ReplicaDevices.parse("all", "cuda:1", TWO_GPUS));
        assertEquals(List.of(Device.CPU), ReplicaDevices.parse("all", "cpu", TWO_GPUS), "--device cpu keeps a GPU machine on the CPU");
        assertEquals(List.of(Device.CPU, Device.CPU), ReplicaDevices.parse("cpu:2", "cpu", TWO_GPUS));
        assertEquals("--device cuda:0 and --dist cuda:2 both place the model: use --dist alone for several replicas, --device alone for one",
                refused("cuda:2", "cuda:0", TWO_GPUS));
        assertTrue(refused("cpu:2", "cuda:0", TWO_GPUS).startsWith("--device cuda:0 and --dist cpu:2 both place the model"));
    }

    @Test
    void impossibleDistsAreNamedInOneLine() {
        assertEquals("--dist cuda:4 asks for 4 GPUs but 2 are present", refused("cuda:4", null, TWO_GPUS));
        assertEquals("--dist cuda:2 asks for 2 GPUs but 1 is present", refused("cuda:2", null, new ReplicaDevices.Machine(t -> true, t -> 1, 1)));
        assertEquals("--dist cuda: no GPU found", refused("cuda", null, new ReplicaDevices.Machine(t -> true, t -> 0, 1)));
        assertEquals("--dist cuda:2: no CUDA backend on the class path (add eve-cuda)", refused("cuda:2", null, NO_GPU));
        assertEquals("--dist cuda:0: the number of replicas must be >= 1", refused("cuda:0", null, TWO_GPUS));
        assertEquals("--dist cpu:0: the number of replicas must be >= 1", refused("cpu:0", null, TWO_GPUS));
        assertEquals("--dist must be all, cpu, cpu:N, cuda or cuda:N, got 'tpu:2'", refused("tpu:2", null, TWO_GPUS));
        assertEquals("--dist must be all, cpu, cpu:N, cuda or cuda:N, got 'cpu:x'", refused("cpu:x", null, TWO_GPUS));
    }

    @Test
    void severalMachinesNeedGpuReplicas() {
        ReplicaDevices.Machine twoNodesNoGpu = new ReplicaDevices.Machine(t -> false, t -> 0, 2);
        assertTrue(refused("all", null, twoNodesNoGpu).startsWith("WORLD_SIZE=2 (a job of several machines) needs GPU replicas"));
        assertTrue(refused("cpu:2", null, twoNodesNoGpu).startsWith("WORLD_SIZE=2"));
        assertEquals(gpus(2), ReplicaDevices.parse("all", null, new ReplicaDevices.Machine(t -> t.equals("cuda"), t -> 2, 2)));
    }

    @Test
    void otherDeviceTypesOnTheClassPathWorkToo() {
        ReplicaDevices.Machine fake = new ReplicaDevices.Machine(t -> t.equals("fake"), t -> 4, 1);
        assertEquals(List.of(new Device("fake", 0), new Device("fake", 1)), ReplicaDevices.parse("fake:2", null, fake));
        assertEquals("--dist fake:5 asks for 5 fake devices but 4 are present", refused("fake:5", null, fake));
    }
}
