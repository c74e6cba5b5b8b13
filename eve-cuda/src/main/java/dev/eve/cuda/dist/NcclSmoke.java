package dev.eve.cuda.dist;

import dev.eve.core.dist.GradientReducer;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A multi-GPU check of {@link NcclGroup}, one process per GPU, started the torchrun way (RANK,
 * WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; gpu/launch-local.sh does it for one machine):
 * all-reduce (sum and mean), all-gather (equal and unequal row counts), broadcast and the gradient
 * average overlapped with backward ({@link GradientReducer}) are checked
 * against their known results, then a 256 MiB f32 all-reduce is timed (algorithm and bus bandwidth as
 * nccl-tests define them). Rank 0 prints one JSON line; the exit status is 0 only if every check passed.
 * <pre>gpu/launch-local.sh 8 java -cp ... dev.eve.cuda.dist.NcclSmoke</pre>
 */
public final class NcclSmoke {

    private NcclSmoke() {}

    public static void main(String[] args) {
        DistEnv env;
        try {
            env = DistEnv.fromEnvironment();
        } catch (DistConfigException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        int failures = 0;
        StringBuilder notes = new StringBuilder();
        try (NcclGroup g = NcclGroup.init(env, Duration.ofSeconds(120))) {
            Device cuda = Device.cuda(env.localRank());
            int n = g.worldSize(), r = g.rank();

            Tensor t = Tensor.full(cuda, DType.F32, r + 1, 1000);
            g.allReduce(t, false);
            failures += check(t, n * (n + 1) / 2.0, "allReduce sum", notes);
            g.allReduce(t, true);
            failures += check(t, n * (n + 1) / 2.0, "allReduce mean", notes);

            Tensor gathered = g.allGather(Tensor.full(cuda, DType.F32, r, 2));
            float[] all = gathered.toFloatArray();
            for (int i = 0; i < all.length; i++)
                if (all[i] != i / 2) {
                    failures++;
                    notes.append("allGather: element ").append(i).append(" is ").append(all[i]).append("; ");
                    break;
                }

            Tensor b = Tensor.full(cuda, DType.F32, r, 3);
            g.broadcastFromRankZero(List.of(b));
            failures += check(b, 0, "broadcast", notes);

            Tensor p1 = Tensor.zeros(cuda, DType.F32, 5).requiresGrad(true), p2 = Tensor.zeros(cuda, DType.F32, 2, 2).requiresGrad(true);
            try (GradientReducer reducer = new GradientReducer(List.of(p1, p2), g, 1, 1)) {   // one bucket each: two overlapped all-reduces
                reducer.prepare();
                p1.add(r).mul(p1).sum().add(p2.mul((double) r).sum()).backward(); // both gradients = r
                reducer.finish();
            }
            failures += check(p1.grad(), (n - 1) / 2.0, "bucketed gradients", notes);
            failures += check(p2.grad(), (n - 1) / 2.0, "bucketed gradients", notes);

            Tensor rows = g.allGather(Tensor.full(cuda, DType.F32, r, r + 1, 2));   // rank r sends r + 1 rows of r
            float[] flat = rows.toFloatArray();
            int at = 0;
            boolean ragged = flat.length == n * (n + 1);
            for (int q = 0; q < n && ragged; q++)
                for (int i = 0; i < 2 * (q + 1); i++) ragged &= flat[at++] == q;
            if (!ragged) {
                failures++;
                notes.append("allGather of unequal row counts: got ").append(flat.length).append(" values; ");
            }

            // Bandwidth: 64 Mi floats, nccl-tests' definitions (busbw = algbw * 2 (n - 1) / n).
            Tensor big = Tensor.zeros(cuda, DType.F32, 64 << 20);
            g.allReduce(big, false);
            g.barrier();
            int reps = 10;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) g.allReduce(big, false);
            g.barrier();
            double seconds = (System.nanoTime() - t0) / 1e9 / reps;
            double algbw = (4.0 * (64 << 20)) / seconds / 1e9;
            if (r == 0)
                System.out.println(String.format(Locale.ROOT,
                        "{\"nccl\": \"%s\", \"world_size\": %d, \"allreduce_bytes\": %d, \"ms\": %.3f, \"algbw_GBps\": %.1f, \"busbw_GBps\": %.1f, \"failures\": %d%s}",
                        NcclGroup.ncclVersion(), n, 4L * (64 << 20), seconds * 1e3, algbw, algbw * 2 * (n - 1) / n, failures,
                        notes.isEmpty() ? "" : ", \"notes\": \"" + notes.toString().replace("\"", "'") + "\""));
        } catch (RuntimeException e) {
            System.err.println("rank " + env.rank() + ": " + e.getMessage());
            System.exit(1);
        }
        if (failures > 0) System.err.println("rank " + env.rank() + ": " + failures + " checks failed: " + notes);
        System.exit(failures == 0 ? 0 : 1);
    }

    private static int check(Tensor t, double expected, String what, StringBuilder notes) {
        for (float v : t.toFloatArray())
            if (Math.abs(v - expected) > 1e-5 * Math.max(1, Math.abs(expected))) {
                notes.append(what).append(": got ").append(v).append(", expected ").append(expected).append("; ");
                return 1;
            }
        return 0;
    }
}
