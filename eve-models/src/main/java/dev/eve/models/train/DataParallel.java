package dev.eve.models.train;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.dist.ThreadGroup;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Data-parallel replicas of a model as threads: each replica computes the loss of its shard of the
 * global batch and back-propagates (collectives such as {@link Collectives#allGather} connect them),
 * then the gradients are averaged into the master in rank order. Only the master's optimizer steps;
 * {@link #syncWeights()} copies the new weights to the replicas. With one replica it is plain
 * training on the master.
 */
public final class DataParallel<M extends Module> implements AutoCloseable {

    /** The loss of one replica on its shard. */
    @FunctionalInterface
    public interface ReplicaLoss<M> {
        Tensor loss(M model, int rank, ProcessGroup group);
    }

    private final M master;
    private final List<M> replicas = new ArrayList<>();
    private final ThreadGroup group;
    private final ExecutorService pool;

    /** {@code factory} builds an uninitialised copy (weights are copied from the master, onto the master's device). */
    public DataParallel(M master, Supplier<M> factory, int count) {
        if (count < 1) throw new IllegalArgumentException("replica count must be >= 1, got " + count);
        this.master = master;
        replicas.add(master);
        List<Tensor> masterParams = master.parameters();
        Device device = masterParams.isEmpty() ? Device.CPU : masterParams.get(0).device();
        for (int r = 1; r < count; r++) {
            M copy = factory.get();
            copy.to(device);
            copy.loadStateDict(master.stateDict(), true);
            replicas.add(copy);
        }
        this.group = new ThreadGroup(count);
        this.pool = count == 1 ? null : Executors.newFixedThreadPool(count - 1, r -> {
            Thread t = new Thread(r, "eve-replica");
            t.setDaemon(true);
            return t;
        });
    }

    public M master() {
        return master;
    }

    public int size() {
        return replicas.size();
    }

    public List<M> replicas() {
        return replicas;
    }

    /** Sets train or eval mode on every replica. */
    public void train(boolean on) {
        for (M m : replicas) m.train(on);
    }

    /**
     * Runs forward and backward on every replica (replica r with its own generator
     * {@code generators[r]} for dropout and routing noise), then leaves the averaged gradients on
     * the master. Returns each replica's loss value.
     */
    public double[] forwardBackward(ReplicaLoss<M> loss, Generator[] generators) {
        int n = replicas.size();
        double[] values = new double[n];
        for (M m : replicas) m.zeroGrad();
        if (n == 1) {
            values[0] = runReplica(0, loss, generators[0]);
            return values;
        }
        List<Future<Double>> futures = new ArrayList<>();
        for (int r = 1; r < n; r++) {
            int rank = r;
            futures.add(pool.submit(() -> runReplica(rank, loss, generators[rank])));
        }
        Throwable failure = null;
        try {
            values[0] = runReplica(0, loss, generators[0]);
        } catch (RuntimeException | Error e) {
            failure = e;
            group.abort();
        }
        for (int r = 1; r < n; r++) {
            try {
                values[r] = futures.get(r - 1).get();
            } catch (ExecutionException e) {
                if (failure == null) failure = e.getCause();
                group.abort();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = e;
            }
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error err) throw err;
        if (failure != null) throw new IllegalStateException(failure);
        averageGradients();
        return values;
    }

    private double runReplica(int rank, ReplicaLoss<M> loss, Generator gen) {
        try (var ignored = Generator.use(gen)) {
            Tensor l = loss.loss(replicas.get(rank), rank, group.member(rank));
            l.backward();
            return l.item();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Master gradient = mean over replicas, summed in rank order. */
    private void averageGradients() {
        List<Map<String, Tensor>> params = new ArrayList<>();
        for (M m : replicas) params.add(m.namedParameters());
        int n = replicas.size();
        try (var ignored = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : params.get(0).entrySet()) {
                Tensor sum = null;
                for (int r = 0; r < n; r++) {
                    Tensor g = params.get(r).get(e.getKey()).grad();
                    if (g == null) continue;
                    sum = sum == null ? g : sum.add(g);
                }
                e.getValue().setGrad(sum == null ? null : sum.div(n));
            }
        }
        for (int r = 1; r < n; r++) replicas.get(r).zeroGrad();
    }

    /** Copies the master's weights to the other replicas (after an optimizer step). */
    public void syncWeights() {
        if (replicas.size() == 1) return;
        Map<String, Tensor> state = master.stateDict();
        for (int r = 1; r < replicas.size(); r++) replicas.get(r).loadStateDict(state, true);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
