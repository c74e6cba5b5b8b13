package dev.eve.cuda.dist;

import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.dist.ProcessGroupProvider;
import dev.eve.core.tensor.Device;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * NCCL process groups for data-parallel replicas on this process's GPUs (a {@link ProcessGroupProvider}
 * service, so that eve-models gets them without depending on eve-cuda). One process drives every GPU
 * of its machine: the replicas on cuda:0..cuda:N-1 are NCCL ranks 0..N-1. When the torchrun variables
 * say WORLD_SIZE > 1 (one such process per machine), the groups span the machines: node n's GPU i is
 * rank {@code n * N + i} ({@link NodeLayout}), and the NCCL ids are shared through {@link Rendezvous}
 * at MASTER_ADDR:MASTER_PORT, all of them in one exchange, in which the nodes also agree on their GPU
 * count.
 */
public final class NcclGroupProvider implements ProcessGroupProvider {

    /** How long nodes wait for each other at start-up (EVE_DIST_TIMEOUT_S overrides). */
    static Duration timeout() {
        String s = System.getenv("EVE_DIST_TIMEOUT_S");
        try {
            return Duration.ofSeconds(s == null || s.isBlank() ? 300 : Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            throw new DistConfigException("EVE_DIST_TIMEOUT_S must be a number of seconds, got '" + s + "'");
        }
    }

    @Override
    public String deviceType() {
        return "cuda";
    }

    @Override
    public List<List<ProcessGroup>> create(List<Device> devices, int count) {
        List<Integer> gpus = gpuIndices(devices);
        NcclGroup.loadNccl();
        NodeLayout layout = NodeLayout.fromEnv(System.getenv(), gpus.size());
        // Every node says how many GPUs it drives; one that differs stops them all, before any waits in NCCL.
        List<byte[]> ids = NodeLayout.decode(Rendezvous.exchange(layout.env(), layout.gpuCount(),
                () -> NodeLayout.encode(newIds(count, i -> NcclGroup.newUniqueId())), timeout()), count);
        List<List<ProcessGroup>> groups = new ArrayList<>();
        try {
            for (byte[] id : ids) groups.add(List.copyOf(NcclGroup.initLocal(gpus, layout, id)));
        } catch (RuntimeException e) {
            for (List<ProcessGroup> g : groups) for (ProcessGroup p : g) p.close();
            throw e;
        }
        return groups;
    }

    /** The CUDA indices of {@code devices}: all cuda, none twice (NCCL refuses two ranks on one GPU). */
    static List<Integer> gpuIndices(List<Device> devices) {
        List<Integer> out = new ArrayList<>();
        for (Device d : devices) {
            if (!d.type().equals("cuda")) throw new IllegalArgumentException("NCCL groups connect CUDA devices, got " + d);
            if (out.contains(d.index()))
                throw new IllegalArgumentException("two replicas on " + d + ": NCCL needs one GPU per replica (" + devices + ")");
            out.add(d.index());
        }
        return out;
    }

    private static List<byte[]> newIds(int count, IntFunction<byte[]> make) {
        List<byte[]> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) ids.add(make.apply(i));
        return ids;
    }
}
