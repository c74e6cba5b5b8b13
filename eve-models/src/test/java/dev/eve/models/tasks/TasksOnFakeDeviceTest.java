package dev.eve.models.tasks;

import dev.eve.core.io.SafeTensors;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.fakedevice.FakeDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.eve.models.tasks.TrainingEndToEndTest.fixture;
import static dev.eve.models.tasks.TrainingEndToEndTest.options;
import static dev.eve.models.tasks.TrainingEndToEndTest.yaml;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every task trained and evaluated through {@link TaskRunner} with the model on the test-only
 * {@code fake} device (the CPU kernels behind a device check: a tensor made on the CPU and mixed
 * with the model's throws, as next to a CUDA tensor). Batches, masks, index tensors, collectives,
 * data-parallel replicas, the optimizer, evaluation and checkpoints all have to follow the model's
 * device; the metrics, evaluation files and checkpoints must equal a CPU run's exactly.
 */
class TasksOnFakeDeviceTest {

    /** Runs the same options on the CPU and on the fake device, in sibling folders, and compares the outputs. */
    private static void sameOnBothDevices(Path dir, String task, Path yaml, Path checkpoint, int bs, int replicas) throws Exception {
        sameOnBothDevices(dir, task, yaml, checkpoint, bs, java.util.Collections.nCopies(replicas, FakeDevice.DEVICE));
    }

    /** The same, with the fake run's replica r on {@code fakeDevices.get(r)} (the CPU run's replicas are threads on the CPU). */
    private static void sameOnBothDevices(Path dir, String task, Path yaml, Path checkpoint, int bs, java.util.List<Device> fakeDevices)
            throws Exception {
        int replicas = fakeDevices.size();
        Path cpu = dir.resolve("cpu"), fake = dir.resolve("fake");
        Map<String, Object> a = TaskRunner.run(options(task, yaml, checkpoint, cpu, bs, 1, false, replicas), Device.CPU);
        Map<String, Object> b = TaskRunner.run(options(task, yaml, checkpoint, fake, bs, 1, false, replicas), fakeDevices);
        assertTrue(((Number) a.get("steps")).longValue() >= 2, task + ": at least two training steps");
        // The outputs name their own folder (result files): the same text once the folders are named alike.
        assertEquals(a.toString().replace(cpu.toString(), "OUT"), b.toString().replace(fake.toString(), "OUT"), task + ": summary");
        assertEquals(Files.readString(cpu.resolve("metrics.jsonl")).replace(cpu.toString(), "OUT"),
                Files.readString(fake.resolve("metrics.jsonl")).replace(fake.toString(), "OUT"), task + ": metrics");
        int evalFiles = 0;
        try (var files = Files.list(cpu)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.startsWith("eval_")) continue;
                assertEquals(Files.readString(f).replace(cpu.toString(), "OUT"), Files.readString(fake.resolve(name)).replace(fake.toString(), "OUT"),
                        task + ": " + name);
                evalFiles++;
            }
        }
        assertEquals(1, evalFiles, task + ": one evaluation file");
        Map<String, Tensor> ca = SafeTensors.load(cpu.resolve("checkpoint_latest.safetensors"));
        Map<String, Tensor> cb = SafeTensors.load(fake.resolve("checkpoint_latest.safetensors"));
        assertEquals(ca.keySet(), cb.keySet());
        for (String k : ca.keySet()) {
            if (ca.get(k).dtype().isFloating()) assertArrayEquals(ca.get(k).toFloatArray(), cb.get(k).toFloatArray(), task + ": " + k);
            else assertArrayEquals(ca.get(k).toLongArray(), cb.get(k).toLongArray(), task + ": " + k);
        }
    }

    @Test
    void retrievalWithHardNegativesAndRerankingMatchesTheCpu(@TempDir Path dir) throws Exception {
        Path train = TrainingEndToEndTest.retrievalTrain(dir);   // includes an unreadable image
        Path y = yaml(dir, "retrieval", "train_file: ['" + train + "']\ntest_file: '" + fixture("retrieval").resolve("test.json") + "'\n"
                + "image_root: 'images/'\nbatch_size_test: 3\nbatch_size_test_text: 8\nmax_tokens: 16\npairs: {max_tokens: 16}\n"
                + "itc_type: ['fusion']\nk_test: 2\n");
        sameOnBothDevices(dir, "itr_coco", y, fixture("retrieval").resolve("retrieval.pth"), 8, 2);
    }

    @Test
    void vqaWithTwoReplicasMatchesTheCpu(@TempDir Path dir) throws Exception {
        Path v = fixture("vqa");
        TrainingEndToEndTest.copyImages(v.resolve("images"), dir.resolve("images"));
        Path y = yaml(dir, "vqa", "train_file: ['" + v.resolve("train.json") + "', '" + v.resolve("train.json") + "']\n"
                + "test_file: ['" + v.resolve("test.json") + "']\nanswer_list: '" + v.resolve("answer_list.json") + "'\n"
                + "test_answers: ['" + v.resolve("test_answers.json") + "']\n"
                + "vqa_root: '" + v.resolve("images") + "'\nvg_root: '" + v.resolve("vg") + "'\n"
                + "batch_size_test: 6\nmax_tokens: 16\npairs: {max_tokens: 16}\n");
        sameOnBothDevices(dir, "vqa", y, v.resolve("vqa.pth"), 4, 2);
    }

    @Test
    void retrievalWithReplicasOnTwoFakeDevicesMatchesTwoCpuThreads(@TempDir Path dir) throws Exception {
        // Each replica on its own device: the ITC all-gather, the gradient buckets and the weight
        // broadcast all cross devices, and still every output equals the CPU threads' bit for bit.
        Path train = TrainingEndToEndTest.retrievalTrain(dir);
        Path y = yaml(dir, "retrieval", "train_file: ['" + train + "']\ntest_file: '" + fixture("retrieval").resolve("test.json") + "'\n"
                + "image_root: 'images/'\nbatch_size_test: 3\nbatch_size_test_text: 8\nmax_tokens: 16\npairs: {max_tokens: 16}\n"
                + "itc_type: ['fusion']\nk_test: 2\n");
        sameOnBothDevices(dir, "itr_coco", y, fixture("retrieval").resolve("retrieval.pth"), 8,
                java.util.List.of(new Device(FakeDevice.TYPE, 0), new Device(FakeDevice.TYPE, 1)));
    }

    @Test
    void nlvrWithBiAttentionMatchesTheCpu(@TempDir Path dir) throws Exception {
        Path n = fixture("nlvr");
        Path y = yaml(dir, "nlvr", "train_file: ['" + n.resolve("test.json") + "']\ntest_file: ['" + n.resolve("test.json") + "']\n"
                + "image_root: '" + n.resolve("images") + "'\nbatch_size: 5\nbiattn: True\n");
        sameOnBothDevices(dir, "nlvr", y, n.resolve("nlvr.pth"), 4, 1);
    }

    @Test
    void theCommandLineRunsOnTheDeviceItIsGiven(@TempDir Path dir) throws Exception {
        Path n = fixture("nlvr");
        Path y = yaml(dir, "nlvr", "train_file: ['" + n.resolve("test.json") + "']\ntest_file: ['" + n.resolve("test.json") + "']\n"
                + "image_root: '" + n.resolve("images") + "'\nbatch_size: 5\n");
        for (String device : new String[] {"cpu", "fake"}) {
            int code = dev.eve.models.cli.EveCommand.execute("run", "--task", "nlvr", "--config", y.toString(), "--checkpoint",
                    n.resolve("nlvr.pth").toString(), "--output_dir", dir.resolve(device).toString(), "--bs", "4", "--epochs", "1",
                    "--device", device);
            assertEquals(0, code, "eve run --device " + device);
        }
        assertEquals(Files.readString(dir.resolve("cpu/metrics.jsonl")), Files.readString(dir.resolve("fake/metrics.jsonl")));
    }

    @Test
    void pretrainingMatchesTheCpu(@TempDir Path dir) throws Exception {
        Path train = TrainingEndToEndTest.retrievalTrain(dir);
        Path y = yaml(dir, "retrieval", "train_file: ['" + train + "']\ntest_file: ['" + fixture("retrieval").resolve("test.json") + "']\n"
                + "image_root: 'images/'\n"
                + "batch_size_test: 6\nmax_tokens: 16\npairs: {max_tokens: 16}\nmask_token: '<unk>'\nmim_decoder_width: 32\n"
                + "mim_decoder_depth: 1\nmim_decoder_heads: 2\nmask_ratio_image: 0.5\nmask_ratio_text: 0.3\nmlm_random_replace: True\n");
        sameOnBothDevices(dir, "pretrain", y, fixture("retrieval").resolve("retrieval.pth"), 8, 1);
    }
}
