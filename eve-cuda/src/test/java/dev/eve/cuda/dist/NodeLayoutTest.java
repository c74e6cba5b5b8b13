package dev.eve.cuda.dist;

import dev.eve.core.tensor.Device;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ranks of one process per machine driving all its GPUs, what they agree on, and what rank 0 sends the others. */
class NodeLayoutTest {

    private static Map<String, String> node(int rank, int nodes) {
        return Map.of("MASTER_ADDR", "node0", "MASTER_PORT", "29500", "RANK", Integer.toString(rank), "WORLD_SIZE", Integer.toString(nodes),
                "LOCAL_RANK", "0", "LOCAL_WORLD_SIZE", "1");
    }

    @Test
    void oneMachineIsRanksZeroToGpusMinusOne() {
        NodeLayout l = NodeLayout.fromEnv(Map.of(), 4);
        assertFalse(l.env().isDistributed());
        assertEquals(4, l.worldSize());
        assertEquals(List.of(0, 1, 2, 3), List.of(l.globalRank(0), l.globalRank(1), l.globalRank(2), l.globalRank(3)));
    }

    @Test
    void nodeNsGpuIIsRankNTimesGpusPlusI() {
        NodeLayout l = NodeLayout.fromEnv(node(2, 3), 8);
        assertEquals(24, l.worldSize());
        assertEquals(16, l.globalRank(0));
        assertEquals(23, l.globalRank(7));
        assertThrows(IndexOutOfBoundsException.class, () -> l.globalRank(8));
        assertEquals("node 2 of 3 with 8 GPU(s): NCCL ranks 16..23 of 24", l.toString());
    }

    @Test
    void oneProcessPerGpuIsRefusedWithTheTorchrunFlagToUse() {
        Map<String, String> perGpu = Map.of("MASTER_ADDR", "h", "MASTER_PORT", "1", "RANK", "3", "WORLD_SIZE", "8", "LOCAL_WORLD_SIZE", "8");
        String m = assertThrows(DistConfigException.class, () -> NodeLayout.fromEnv(perGpu, 8)).getMessage();
        assertTrue(m.startsWith("LOCAL_WORLD_SIZE=8: eve drives every GPU of a machine from one process"), m);
        assertTrue(m.contains("--nproc_per_node=1"), m);
    }

    @Test
    void theIdsTravelCountedAndAWrongCountNamesTheVersion() {
        byte[] a = new byte[NcclGroup.UNIQUE_ID_BYTES], b = new byte[NcclGroup.UNIQUE_ID_BYTES];
        a[0] = 1;
        b[127] = 2;
        byte[] payload = NodeLayout.encode(List.of(a, b));
        List<byte[]> ids = NodeLayout.decode(payload, 2);
        assertArrayEquals(a, ids.get(0));
        assertArrayEquals(b, ids.get(1));
        String m = assertThrows(DistConfigException.class, () -> NodeLayout.decode(payload, 3)).getMessage();
        assertEquals("rank 0 sent 2 NCCL ids in 260 bytes, expected 3 (are all nodes running the same version of eve?)", m);
        assertThrows(DistConfigException.class, () -> NodeLayout.decode(new byte[3], 1));
        assertThrows(IllegalArgumentException.class, () -> NodeLayout.encode(List.of(new byte[5])));
    }

    @Test
    void everyNodeMustAgreeOnItsGpuCountInTheRendezvous() {
        Agreement mine = NodeLayout.fromEnv(node(0, 2), 4).gpuCount();
        assertEquals("4", mine.value());
        assertEquals(null, mine.differenceFrom(1, NodeLayout.fromEnv(node(1, 2), 4).gpuCount().value()));
        assertEquals("rank 1 drives 2 GPU(s) but rank 0 drives 4 GPU(s): every node must use the same number (--dist cuda:N)",
                mine.differenceFrom(1, NodeLayout.fromEnv(node(1, 2), 2).gpuCount().value()));
    }

    @Test
    void replicasNeedDistinctCudaDevices() {
        assertEquals(List.of(0, 1, 3), NcclGroupProvider.gpuIndices(List.of(Device.cuda(0), Device.cuda(1), Device.cuda(3))));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NcclGroupProvider.gpuIndices(List.of(Device.cuda(1), Device.cuda(1))))
                .getMessage().startsWith("two replicas on cuda:1"));
        assertThrows(IllegalArgumentException.class, () -> NcclGroupProvider.gpuIndices(List.of(Device.CPU)));
        assertThrows(IllegalArgumentException.class, () -> new NodeLayout(DistEnv.single(), 0));
    }
}
