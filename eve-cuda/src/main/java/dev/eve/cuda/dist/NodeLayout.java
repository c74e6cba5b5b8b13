package dev.eve.cuda.dist;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ranks of a job in which one process drives every GPU of its machine: torchrun's variables
 * describe the processes (RANK = this node, WORLD_SIZE = nodes, one process per node), and GPU
 * {@code i} of node {@code n} is NCCL rank {@code n * localGpus + i} of {@code nodes * localGpus}.
 * Every node must use the same number of GPUs: each says its count in its rendezvous hello
 * ({@link #gpuCount()}), and when one differs rank 0 stops every node with a message naming both counts.
 *
 * @param env       the torchrun variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)
 * @param localGpus GPUs this process drives
 */
public record NodeLayout(DistEnv env, int localGpus) {

    public NodeLayout {
        if (localGpus < 1) throw new IllegalArgumentException("a node needs at least one GPU, got " + localGpus);
    }

    /** From the variables of this process ({@code localGpus} from --dist). */
    public static NodeLayout fromEnv(Map<String, String> vars, int localGpus) {
        String perNode = vars.get("LOCAL_WORLD_SIZE");
        if (perNode != null && !perNode.isBlank() && !perNode.trim().equals("1"))
            throw new DistConfigException("LOCAL_WORLD_SIZE=" + perNode.trim() + ": eve drives every GPU of a machine from one process;"
                    + " start one process per machine (torchrun --nproc_per_node=1) and choose its GPUs with --dist");
        return new NodeLayout(DistEnv.fromEnv(vars), localGpus);
    }

    public int node() {
        return env.rank();
    }

    public int nodes() {
        return env.worldSize();
    }

    /** NCCL ranks in the whole job. */
    public int worldSize() {
        return Math.multiplyExact(nodes(), localGpus);
    }

    /** The NCCL rank of this process's {@code i}-th GPU. */
    public int globalRank(int i) {
        if (i < 0 || i >= localGpus) throw new IndexOutOfBoundsException("GPU " + i + " of " + localGpus);
        return node() * localGpus + i;
    }

    /** What every node must agree on before rank 0 hands out the NCCL ids: the GPUs it drives. */
    public Agreement gpuCount() {
        return Agreement.of(localGpus, "drives %s GPU(s)", "every node must use the same number (--dist cuda:N)");
    }

    /** What rank 0 serves: the NCCL unique ids (one per communicator), counted, back to back. */
    public static byte[] encode(List<byte[]> ids) {
        ByteBuffer b = ByteBuffer.allocate(4 + ids.size() * NcclGroup.UNIQUE_ID_BYTES);
        b.putInt(ids.size());
        for (byte[] id : ids) {
            if (id.length != NcclGroup.UNIQUE_ID_BYTES) throw new IllegalArgumentException("an NCCL unique id has " + NcclGroup.UNIQUE_ID_BYTES + " bytes, got " + id.length);
            b.put(id);
        }
        return b.array();
    }

    /** The ids served by rank 0 (that every node drives as many GPUs was settled in the rendezvous). */
    public static List<byte[]> decode(byte[] payload, int expectedIds) {
        if (payload.length < 4) throw new DistConfigException("rank 0 sent " + payload.length + " bytes, not an EVE multi-GPU rendezvous");
        ByteBuffer b = ByteBuffer.wrap(payload);
        int count = b.getInt();
        if (count != expectedIds || payload.length != 4 + (long) count * NcclGroup.UNIQUE_ID_BYTES)
            throw new DistConfigException("rank 0 sent " + count + " NCCL ids in " + payload.length + " bytes, expected " + expectedIds
                    + " (are all nodes running the same version of eve?)");
        List<byte[]> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] id = new byte[NcclGroup.UNIQUE_ID_BYTES];
            b.get(id);
            ids.add(id);
        }
        return ids;
    }

    @Override
    public String toString() {
        return "node " + node() + " of " + nodes() + " with " + localGpus + " GPU(s): NCCL ranks " + globalRank(0) + ".." + globalRank(localGpus - 1)
                + " of " + worldSize();
    }
}
