package dev.eve.cuda.dist;

import dev.eve.core.dist.GradientReducer;
import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.dist.ProcessGroups;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.cuda.runtime.CudaRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One process driving every GPU of the machine through {@link NcclGroupProvider} (what {@code --dist all}
 * does): a replica thread per GPU runs a backward whose gradients a {@link GradientReducer} averages
 * while it runs, then gathers unequal row counts; a group aborted while a rank waits for a peer that
 * never comes releases that rank. Skipped, with the reason, without two GPUs.
 */
class NcclLocalGroupsGpuTest {

    @BeforeAll
    static void needsTwoGpus() {
        assumeTrue(CudaRuntime.isAvailable(), () -> "no GPU: " + CudaRuntime.availability().reason());
        assumeTrue(CudaRuntime.deviceCount() >= 2, () -> "one GPU: the in-process NCCL groups need two");
    }

    @Test
    void replicasOnEveryGpuAverageTheirGradientsAndGatherUnequalRows() throws Exception {
        int n = CudaRuntime.deviceCount();
        List<Device> devices = new ArrayList<>();
        for (int i = 0; i < n; i++) devices.add(Device.cuda(i));
        List<List<ProcessGroup>> groups = ProcessGroups.create(devices, 2);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<float[][]>> results = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    Device d = devices.get(rank);
                    ProcessGroup model = groups.get(0).get(rank), grads = groups.get(1).get(rank);
                    assertEquals(rank, grads.rank());
                    assertEquals(n, grads.worldSize());
                    Tensor w1 = Tensor.full(d, DType.F32, 1, 1000).requiresGrad(true), w2 = Tensor.full(d, DType.F32, 2, 3).requiresGrad(true),
                            unused = Tensor.full(d, DType.F32, 3, 4).requiresGrad(true);
                    try (GradientReducer reducer = new GradientReducer(List.of(w1, w2, unused), grads, 1, 1)) {
                        reducer.prepare();
                        w1.mul((double) rank).sum().add(w2.mul(w2).sum()).backward();   // grad w1 = rank, grad w2 = 4
                        reducer.finish();
                    }
                    assertNull(unused.grad());
                    Tensor rows = model.allGather(Tensor.full(d, DType.F32, rank, rank + 1, 2));
                    return new float[][] {w1.grad().toFloatArray(), w2.grad().toFloatArray(), rows.toFloatArray()};
                }));
            }
            for (Future<float[][]> f : results) {
                float[][] got = f.get();
                float[] mean = new float[1000];
                java.util.Arrays.fill(mean, (n - 1) / 2f);
                assertArrayEquals(mean, got[0], 1e-6f);
                assertArrayEquals(new float[] {4, 4, 4}, got[1]);
                assertEquals(n * (n + 1), got[2].length);
            }
        } finally {
            pool.shutdownNow();
            for (List<ProcessGroup> g : groups) for (ProcessGroup p : g) p.close();
        }
    }

    @Test
    void abortingATwoRankGroupReleasesARankBlockedInAnAllReduce() throws Exception {
        List<Device> two = List.of(Device.cuda(0), Device.cuda(1));
        List<ProcessGroup> group = ProcessGroups.create(two, 1).get(0);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // One all-reduce by both ranks connects them, so that the next one only enqueues its kernel.
            List<Future<?>> first = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int rank = r;
                first.add(pool.submit(() -> group.get(rank).barrier()));
            }
            for (Future<?> f : first) f.get(120, TimeUnit.SECONDS);

            // Rank 0 all-reduces alone and waits on the host; rank 1 (a replica that failed) never comes.
            Future<?> blocked = pool.submit(() -> group.get(0).barrier());
            Thread.sleep(2000);
            assertFalse(blocked.isDone(), "rank 0 waits for rank 1");
            // Every member in this process is aborted: NCCL treats an abort as an intra-node collective.
            for (ProcessGroup member : group) member.abort();
            ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(60, TimeUnit.SECONDS));
            String message = assertInstanceOf(IllegalStateException.class, e.getCause()).getMessage();
            assertTrue(message.endsWith("was aborted (a replica failed): it cannot be used again"), message);

            group.get(0).abort();   // idempotent
            Tensor t = Tensor.full(two.get(0), DType.F32, 1, 4);
            assertThrows(IllegalStateException.class, () -> group.get(0).allReduce(t, false));
            assertTrue(((NcclGroup) group.get(1)).isAborted());
        } finally {
            pool.shutdownNow();
            // After the abort NCCL has freed the communicators: close must not destroy them again.
            for (ProcessGroup p : group) p.close();
        }
    }
}
