package dev.eve.cuda.dist;

import dev.eve.core.dist.GradientReducer;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.cuda.runtime.CudaRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * NCCL on this machine's first GPU as a job of one process (NCCL refuses two ranks on one GPU; the
 * multi-GPU run is a torchrun-style launch of several JVMs). Skipped, with the reason, without a GPU.
 */
class NcclGroupGpuTest {

    @BeforeAll
    static void needsAGpu() {
        assumeTrue(CudaRuntime.isAvailable(), () -> "no GPU: " + CudaRuntime.availability().reason());
    }

    @Test
    void collectivesOfAJobOfOne() {
        Device cuda = Device.cuda(0);
        try (NcclGroup g = NcclGroup.init(DistEnv.single(), Duration.ofSeconds(30))) {
            assertEquals(0, g.rank());
            assertEquals(1, g.worldSize());
            Tensor t = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).to(cuda);
            g.allReduce(t, false);
            assertArrayEquals(new float[] {1, 2, 3, 4}, t.toFloatArray());
            g.allReduce(t, true);
            assertArrayEquals(new float[] {1, 2, 3, 4}, t.toFloatArray());
            Tensor all = g.allGather(t);
            assertArrayEquals(new int[] {2, 2}, all.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4}, all.toFloatArray());
            g.barrier();
            g.broadcastFromRankZero(List.of(t, all));
            assertArrayEquals(new float[] {1, 2, 3, 4}, t.toFloatArray());

            Tensor a = Tensor.of(new float[] {1, 2, 3}, 3).to(cuda).requiresGrad(true), b = Tensor.of(new float[] {5}, 1).to(cuda).requiresGrad(true);
            try (GradientReducer reducer = new GradientReducer(List.of(a, b), g, 1, 1)) {
                reducer.prepare();
                a.mul(2).sum().add(b.mul(3).sum()).backward();
                reducer.finish();
            }
            assertArrayEquals(new float[] {2, 2, 2}, a.grad().toFloatArray());
            assertArrayEquals(new float[] {3}, b.grad().toFloatArray());
            System.out.println("NCCL " + NcclGroup.ncclVersion() + " on " + cuda);
        }
    }
}
