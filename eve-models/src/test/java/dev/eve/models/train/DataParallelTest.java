package dev.eve.models.train;

import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.MoeParams;
import dev.eve.models.eve.Mode;
import dev.eve.models.eve.heads.RetrievalModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.eve.core.dist.ThreadGroup;
import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Device;
import dev.eve.models.fakedevice.FakeDevice;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.eve.core.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two replicas on halves of a batch give the gradients of one model on the whole batch. */
class DataParallelTest {

    static EveConfig config() {
        return config(4, 2);
    }

    static EveConfig config(int experts, int topk) {
        String json = """
                {"vision_width": 32, "patch_size": 16, "hidden_act": "quick_gelu", "num_attention_heads": 2,
                 "intermediate_size": 64, "num_hidden_layers": 2, "vocab_size": 40, "ffn_type": "moe",
                 "moeffn_layers": [1], "moe_param": {"num_experts": %d, "topk": %d, "type_route": true},
                 "image_res": 32, "max_tokens": 6, "itc_type": ["fusion"]}
                """.formatted(experts, topk);
        try {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            EveConfig c = EveConfig.fromJson(node, "tiny", null);
            // Capacity is per forward call: without limits routing is per token, so shards and whole batch agree.
            return c.withMoe(c.moe().withDropless(true).withNoise(MoeParams.GumbelNoise.NEVER));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** ITC over features gathered from all replicas plus a per-sample ITM-style loss (mean over the shard). */
    static Tensor loss(RetrievalModel m, Tensor image, Tensor ids, Tensor atts, ProcessGroup group) {
        Tensor v = m.embedForItc(image, null, null, Mode.VISION);
        Tensor t = m.embedForItc(null, ids, atts, Mode.TEXT);
        Tensor vAll = group == null ? v : Collectives.allGather(group, v);
        Tensor tAll = group == null ? t : Collectives.allGather(group, t);
        Tensor logits = m.itcLogits(vAll, tAll);
        Tensor itc = RetrievalModel.itcLoss(logits, Tensor.eye(logits.size(0)).to(logits.device()));
        Tensor itm = m.itmLogits(m.backbone().forward(image, ids, atts, Mode.VL)).logSoftmax(1).select(1, 1).neg().mean();
        return itc.add(itm);
    }

    @Test
    void twoReplicasMatchOneModelOnTheWholeBatch() {
        EveConfig c = config();
        Generator gen = new Generator(3);
        Tensor image = Tensor.randn(gen, 4, 3, 32, 32);
        long[] idv = new long[24], attv = new long[24];
        for (int i = 0; i < 24; i++) {
            idv[i] = 1 + gen.nextInt(39);
            attv[i] = i % 6 < 6 - (i / 6) ? 1 : 0;
        }
        Tensor ids = Tensor.of(idv, 4, 6), atts = Tensor.of(attv, 4, 6);

        RetrievalModel single = new RetrievalModel(c, new Generator(9));
        single.eval();
        loss(single, image, ids, atts, null).backward();
        Map<String, Tensor> expected = single.namedParameters();

        RetrievalModel master = new RetrievalModel(c, new Generator(9));
        try (DataParallel<RetrievalModel> dp = new DataParallel<>(master, () -> new RetrievalModel(c, null), 2)) {
            dp.train(false);
            double[] losses = dp.forwardBackward((m, rank, group) -> {
                Tensor img = image.slice(0, 2 * rank, 2 * rank + 2), id = ids.slice(0, 2 * rank, 2 * rank + 2),
                        at = atts.slice(0, 2 * rank, 2 * rank + 2);
                return loss(m, img, id, at, group);
            }, new Generator[] {new Generator(1), new Generator(2)});
            assertEquals(2, losses.length);
        }
        int compared = 0;
        for (Map.Entry<String, Tensor> e : master.namedParameters().entrySet()) {
            Tensor want = expected.get(e.getKey()).grad();
            if (want == null) continue;
            assertNotNull(e.getValue().grad(), "no gradient for " + e.getKey());
            assertClose(want, e.getValue().grad(), 1e-3, 1e-6, e.getKey());
            compared++;
        }
        assertEquals(true, compared > 30);
    }

    /** A batch of four examples: images, token ids and attention masks. */
    record Batch(Tensor image, Tensor ids, Tensor atts) {
        static Batch random(long seed) {
            Generator gen = new Generator(seed);
            Tensor image = Tensor.randn(gen, 4, 3, 32, 32);
            long[] idv = new long[24], attv = new long[24];
            for (int i = 0; i < 24; i++) {
                idv[i] = 1 + gen.nextInt(39);
                attv[i] = i % 6 < 6 - (i / 6) ? 1 : 0;
            }
            return new Batch(image, Tensor.of(idv, 4, 6), Tensor.of(attv, 4, 6));
        }

        /** Replica {@code rank}'s half, on {@code device}. */
        Tensor loss(RetrievalModel m, int rank, ProcessGroup group, Device device) {
            return DataParallelTest.loss(m, image.slice(0, 2 * rank, 2 * rank + 2).to(device), ids.slice(0, 2 * rank, 2 * rank + 2).to(device),
                    atts.slice(0, 2 * rank, 2 * rank + 2).to(device), group);
        }
    }

    /** Top-1 routing over 64 experts: with two examples per replica, some experts get no token on some replica. */
    static EveConfig sparseMoeConfig() {
        return config(64, 1);
    }

    static Generator[] generators() {
        return new Generator[] {new Generator(1), new Generator(2)};
    }

    /**
     * What DataParallel computed before the reducer: every replica runs forward and backward (the ITC
     * all-gather through a ThreadGroup), then the master's gradient is the sum over replicas that have
     * one, in rank order, divided by the replica count (null when none has one).
     */
    static Map<String, Tensor> averagedTheOldWay(EveConfig c, Batch batch, List<Map<String, Tensor>> perReplica) throws Exception {
        ThreadGroup group = new ThreadGroup(2);
        RetrievalModel master = new RetrievalModel(c, new Generator(9));
        RetrievalModel other = new RetrievalModel(c, null);
        other.loadStateDict(master.stateDict(), true);
        List<RetrievalModel> replicas = List.of(master, other);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int rank = r;
                fs.add(pool.submit(() -> {
                    RetrievalModel m = replicas.get(rank);
                    m.eval();
                    try (var ignored = Generator.use(generators()[rank])) {
                        batch.loss(m, rank, group.member(rank), Device.CPU).backward();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        } finally {
            pool.shutdownNow();
        }
        for (RetrievalModel m : replicas) {
            Map<String, Tensor> grads = new LinkedHashMap<>();
            m.namedParameters().forEach((k, p) -> grads.put(k, p.grad()));
            perReplica.add(grads);
        }
        Map<String, Tensor> expected = new LinkedHashMap<>();
        try (var ignored = NoGrad.enter()) {
            for (String k : master.namedParameters().keySet()) {
                Tensor sum = null;
                for (Map<String, Tensor> g : perReplica) {
                    if (g.get(k) == null) continue;
                    sum = sum == null ? g.get(k) : sum.add(g.get(k));
                }
                expected.put(k, sum == null ? null : sum.div(2));
            }
        }
        return expected;
    }

    static void assertBitIdentical(Map<String, Tensor> expected, RetrievalModel master) {
        for (Map.Entry<String, Tensor> e : master.namedParameters().entrySet()) {
            Tensor want = expected.get(e.getKey()), got = e.getValue().grad();
            if (want == null) {
                assertNull(got, e.getKey() + ": no replica had a gradient, so it stays null");
                continue;
            }
            assertNotNull(got, e.getKey());
            assertArrayEquals(want.toFloatArray(), got.to(Device.CPU).toFloatArray(), e.getKey() + ": bit-identical to the rank-ordered average");
        }
    }

    @Test
    void theOverlappedReducerAveragesBitForBitLikeTheRankOrderedSumIncludingUnusedExperts() throws Exception {
        EveConfig c = sparseMoeConfig();
        Batch batch = Batch.random(3);
        List<Map<String, Tensor>> perReplica = new ArrayList<>();
        Map<String, Tensor> expected = averagedTheOldWay(c, batch, perReplica);
        long onlySome = expected.keySet().stream().filter(k -> (perReplica.get(0).get(k) == null) != (perReplica.get(1).get(k) == null)).count();
        long none = expected.values().stream().filter(v -> v == null).count();
        assertTrue(onlySome > 0, "some expert has a gradient on one replica only");
        assertTrue(none > 0, "some expert has no gradient on any replica");

        RetrievalModel master = new RetrievalModel(c, new Generator(9));
        try (DataParallel<RetrievalModel> dp = new DataParallel<>(master, () -> new RetrievalModel(c, null), 2)) {
            dp.train(false);
            dp.forwardBackward((m, rank, group) -> batch.loss(m, rank, group, Device.CPU), generators());
            assertBitIdentical(expected, master);
            for (Tensor p : dp.replicas().get(1).parameters()) assertNull(p.grad(), "the other replica's gradients are cleared");
        }
    }

    @Test
    void replicasOnTwoFakeDevicesGiveTheBitsOfTwoCpuThreadReplicas() throws Exception {
        EveConfig c = sparseMoeConfig();
        Batch batch = Batch.random(5);
        Map<String, Tensor> expected = averagedTheOldWay(c, batch, new ArrayList<>());
        Device d0 = new Device(FakeDevice.TYPE, 0), d1 = new Device(FakeDevice.TYPE, 1);
        RetrievalModel master = new RetrievalModel(c, new Generator(9));
        master.to(d0);
        try (DataParallel<RetrievalModel> dp = new DataParallel<>(master, () -> new RetrievalModel(c, null), List.of(d0, d1))) {
            assertEquals(2, dp.worldSize());
            assertEquals(false, dp.spansProcesses());
            assertEquals(d1, dp.replicas().get(1).parameters().get(0).device());
            for (var e : dp.replicas().get(1).stateDict().entrySet())
                assertArrayEquals(master.stateDict().get(e.getKey()).toFloatArray(), e.getValue().toFloatArray(), "weights broadcast: " + e.getKey());
            dp.train(false);
            dp.forwardBackward((m, rank, group) -> batch.loss(m, rank, group, rank == 0 ? d0 : d1), generators());
            assertBitIdentical(expected, master);

            // A step on the master reaches the replica on fake:1 through a broadcast.
            try (var ignored = NoGrad.enter()) {
                for (Tensor p : master.parameters()) if (p.grad() != null) p.addInPlace(p.grad(), -0.5);
            }
            dp.syncWeights();
            Map<String, Tensor> after = master.stateDict();
            for (var e : dp.replicas().get(1).stateDict().entrySet()) {
                assertEquals(d1, e.getValue().device());
                assertArrayEquals(after.get(e.getKey()).toFloatArray(), e.getValue().toFloatArray(), "synced: " + e.getKey());
            }
        }
    }

    @Test
    void replicasMustShareTheMastersDeviceOrEachHaveTheirOwn() {
        EveConfig c = config();
        RetrievalModel master = new RetrievalModel(c, new Generator(9));
        Device d1 = new Device(FakeDevice.TYPE, 1);
        IllegalArgumentException notMaster = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new DataParallel<>(master, () -> new RetrievalModel(c, null), List.of(d1, Device.CPU)));
        assertTrue(notMaster.getMessage().startsWith("replica 0 is the master, on cpu"), notMaster.getMessage());
        IllegalArgumentException twice = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new DataParallel<>(master, () -> new RetrievalModel(c, null), List.of(Device.CPU, d1, d1)));
        assertTrue(twice.getMessage().startsWith("replicas either share the master's device or each have their own"), twice.getMessage());
    }

    /**
     * Replica 1 throws in the middle of its backward, after the others have started waiting for its
     * gradients: the step must fail at once with replica 1's own error (it used to wait for the
     * thread groups' ten-minute timeout, and forever on devices whose groups it did not abort), and
     * the aborted groups make the next step fail at once too.
     */
    private static void failsPromptlyWithTheFailedReplicasError(DataParallel<RetrievalModel> dp, Device d0, Device d1) {
        Batch batch = Batch.random(11);
        dp.train(false);
        IllegalStateException broken = new IllegalStateException("replica 1 broke in the middle of its backward");
        AtomicInteger ready = new AtomicInteger();
        for (Tensor p : dp.replicas().get(1).parameters())
            p.registerGradReadyHook(t -> {
                if (ready.incrementAndGet() == 10) throw broken;   // ten gradients in: mid-backward
            });
        DataParallel.ReplicaLoss<RetrievalModel> loss = (m, rank, group) -> batch.loss(m, rank, group, rank == 0 ? d0 : d1);
        assertSame(broken, assertThrows(IllegalStateException.class, () -> dp.forwardBackward(loss, generators())));
        assertTrue(ready.get() >= 10);
        IllegalStateException next = assertThrows(IllegalStateException.class, () -> dp.forwardBackward(loss, generators()));
        assertEquals("the replicas' group was aborted (a replica failed): it cannot be used again", next.getMessage());
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aThreadReplicaThatFailsMidBackwardFailsTheStepAtOnce() {
        EveConfig c = config();
        RetrievalModel master = new RetrievalModel(c, new Generator(9));
        try (DataParallel<RetrievalModel> dp = new DataParallel<>(master, () -> new RetrievalModel(c, null), 2)) {
            failsPromptlyWithTheFailedReplicasError(dp, Device.CPU, Device.CPU);
        }
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aReplicaOnAnotherDeviceThatFailsMidBackwardFailsTheStepAtOnce() {
        EveConfig c = config();
        Device d0 = new Device(FakeDevice.TYPE, 0), d1 = new Device(FakeDevice.TYPE, 1);
        RetrievalModel master = new RetrievalModel(c, new Generator(9));
        master.to(d0);
        // Groups from the fake device's provider, not DataParallel's own: they used to be left un-aborted.
        try (DataParallel<RetrievalModel> dp = new DataParallel<>(master, () -> new RetrievalModel(c, null), List.of(d0, d1))) {
            failsPromptlyWithTheFailedReplicasError(dp, d0, d1);
        }
    }
}
