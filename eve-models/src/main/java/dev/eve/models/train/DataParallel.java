package dev.eve.models.train;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.dist.GradientReducer;
import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.dist.ProcessGroups;
import dev.eve.core.dist.ThreadGroup;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Data-parallel replicas of a model, one thread each: each replica computes the loss of its shard of
 * the global batch and back-propagates (collectives such as {@link Collectives#allGather} connect
 * them through the model's group), while a {@link GradientReducer} per replica averages the gradients
 * over the job as backward produces them (through a second group, so that the two never interleave).
 * Afterwards the master holds the mean gradient; only the master's optimizer steps, and
 * {@link #syncWeights()} gives the replicas the new weights.
 *
 * <p>Replicas are all on the master's device (threads sharing one device: CPU replicas, or a test of
 * several replicas on one GPU), connected by {@link ThreadGroup}s; or each on its own device
 * (cuda:0..cuda:N-1), connected by the groups the device type's
 * {@link dev.eve.core.dist.ProcessGroupProvider} makes: NCCL for CUDA, which also spans the other
 * machines of a torchrun-style job. Then ranks are global: this process holds ranks
 * {@code globalRank(0)..globalRank(size()-1)} of {@link #worldSize()}, and each machine's master steps
 * its own optimizer with the same averaged gradients. With one replica in the whole job it is plain
 * training on the master.
 */
public final class DataParallel<M extends Module> implements AutoCloseable {

    /** The loss of one replica on its shard. */
    @FunctionalInterface
    public interface ReplicaLoss<M> {
        /** {@code rank}: the replica's rank in the whole job (its shard), {@code group}: the model's collectives. */
        Tensor loss(M model, int rank, ProcessGroup group);
    }

    private final M master;
    private final List<M> replicas = new ArrayList<>();
    private final List<Device> devices;
    private final boolean sharedDevice;
    private final List<ProcessGroup> modelGroup, gradientGroup;
    private final List<ThreadGroup> threadGroups = new ArrayList<>();
    private final List<GradientReducer> reducers = new ArrayList<>();
    private final ExecutorService pool;
    /** The first failure of a replica in the current {@link #onEveryReplica} call: the one reported. */
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();

    /** {@code count} replicas on the master's device; {@code factory} builds an uninitialised copy (weights come from the master). */
    public DataParallel(M master, Supplier<M> factory, int count) {
        this(master, factory, Collections.nCopies(checkCount(count), masterDevice(master)));
    }

    /**
     * Replica r on {@code devices.get(r)}; the first is the master's device. Either every replica is on
     * that device, or each on a different device of one type.
     */
    public DataParallel(M master, Supplier<M> factory, List<Device> devices) {
        checkCount(devices.size());
        Device home = masterDevice(master);
        if (!devices.get(0).equals(home))
            throw new IllegalArgumentException("replica 0 is the master, on " + home + ", but the first replica device is " + devices.get(0));
        this.master = master;
        this.devices = List.copyOf(devices);
        this.sharedDevice = this.devices.stream().allMatch(home::equals);
        if (!sharedDevice && this.devices.stream().distinct().count() != this.devices.size())
            throw new IllegalArgumentException("replicas either share the master's device or each have their own, got " + devices);
        replicas.add(master);
        for (int r = 1; r < devices.size(); r++) {
            M copy = factory.get();
            copy.to(devices.get(r));
            if (sharedDevice) copy.loadStateDict(master.stateDict(), true);
            replicas.add(copy);
        }
        if (sharedDevice) {
            ThreadGroup model = new ThreadGroup(devices.size()), grads = new ThreadGroup(devices.size());
            threadGroups.add(model);
            threadGroups.add(grads);
            modelGroup = members(model);
            gradientGroup = members(grads);
        } else {
            List<List<ProcessGroup>> groups = ProcessGroups.create(this.devices, 2);
            modelGroup = groups.get(0);
            gradientGroup = groups.get(1);
        }
        this.pool = devices.size() == 1 ? null : Executors.newFixedThreadPool(devices.size() - 1, r -> {
            Thread t = new Thread(r, "eve-replica");
            t.setDaemon(true);
            return t;
        });
        if (worldSize() > 1)
            for (int r = 0; r < replicas.size(); r++) reducers.add(new GradientReducer(replicas.get(r).parameters(), gradientGroup.get(r)));
        // Replicas on other devices (and every machine of a multi-node job) start from rank 0's weights.
        if (!sharedDevice) syncWeights();
    }

    private static int checkCount(int count) {
        if (count < 1) throw new IllegalArgumentException("replica count must be >= 1, got " + count);
        return count;
    }

    private static Device masterDevice(Module master) {
        List<Tensor> params = master.parameters();
        return params.isEmpty() ? Device.CPU : params.get(0).device();
    }

    private static List<ProcessGroup> members(ThreadGroup g) {
        List<ProcessGroup> out = new ArrayList<>();
        for (int r = 0; r < g.size(); r++) out.add(g.member(r));
        return out;
    }

    public M master() {
        return master;
    }

    /** Replicas in this process. */
    public int size() {
        return replicas.size();
    }

    /** Replicas in the whole job (more than {@link #size()} when the groups span machines). */
    public int worldSize() {
        return modelGroup.get(0).worldSize();
    }

    /** The rank in the whole job of this process's replica {@code local}. */
    public int globalRank(int local) {
        return modelGroup.get(local).rank();
    }

    /** Whether this process holds rank 0, the one that writes checkpoints, metrics and evaluations. */
    public boolean isLeader() {
        return globalRank(0) == 0;
    }

    /** Whether other processes (machines) take part. */
    public boolean spansProcesses() {
        return worldSize() > size();
    }

    public List<M> replicas() {
        return replicas;
    }

    public List<Device> devices() {
        return devices;
    }

    /** Sets train or eval mode on every replica. */
    public void train(boolean on) {
        for (M m : replicas) m.train(on);
    }

    /**
     * Runs forward and backward on every replica (replica r with its own generator
     * {@code generators[r]} for dropout and routing noise), then leaves the averaged gradients on
     * the master. Returns each replica's loss value. When a replica fails, its error is thrown (once
     * the others have stopped) and the groups are aborted: this DataParallel cannot be used again.
     */
    public double[] forwardBackward(ReplicaLoss<M> loss, Generator[] generators) {
        for (M m : replicas) m.zeroGrad();
        double[] values = new double[replicas.size()];
        if (worldSize() == 1) {
            values[0] = runReplica(0, loss, generators[0]);
            return values;
        }
        List<Double> out = onEveryReplica(r -> () -> {
            GradientReducer reducer = reducers.get(r);
            reducer.prepare();
            try {
                double v = runReplica(r, loss, generators[r]);
                reducer.finish();
                return v;
            } catch (RuntimeException | Error e) {
                // Abort first: abandoning waits for this replica's buckets, which may wait for peers.
                replicaFailed(e);
                reducer.abandon();
                throw e;
            }
        });
        for (int r = 0; r < values.length; r++) values[r] = out.get(r);
        // The master holds the mean; the replicas' copies would only be overwritten next step.
        for (int r = 1; r < replicas.size(); r++) replicas.get(r).zeroGrad();
        return values;
    }

    private double runReplica(int rank, ReplicaLoss<M> loss, Generator gen) {
        try (var ignored = Generator.use(gen)) {
            Tensor l = loss.loss(replicas.get(rank), globalRank(rank), modelGroup.get(rank));
            l.backward();
            return l.item();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The mean of every replica's value over the whole job (the given values are this process's replicas', in order). */
    public double globalMean(double[] local) {
        if (!spansProcesses()) {
            double sum = 0;
            for (double v : local) sum += v / local.length;
            return sum;
        }
        List<Double> means = onEveryReplica(r -> () -> {
            Tensor t = Tensor.full(devices.get(r), dev.eve.core.tensor.DType.F32, local[r], 1);
            modelGroup.get(r).allReduce(t, true);
            return (double) t.item();
        });
        return means.get(0);
    }

    /** Copies the master's weights to the other replicas (after an optimizer step). */
    public void syncWeights() {
        if (worldSize() == 1) return;
        if (sharedDevice && !spansProcesses()) {
            Map<String, Tensor> state = master.stateDict();
            for (int r = 1; r < replicas.size(); r++) replicas.get(r).loadStateDict(state, true);
            return;
        }
        // Replicas on other devices or machines: rank 0 broadcasts (the device-to-device path, NCCL's on GPUs).
        onEveryReplica(r -> () -> {
            ProcessGroup g = modelGroup.get(r);
            try (var ignored = NoGrad.enter()) {
                for (Tensor t : replicas.get(r).stateDict().values()) g.broadcast(t, 0);
            }
            return null;
        });
    }

    /**
     * Runs {@code task(r)} for every replica at once, replica 0 on this thread. A replica that fails
     * aborts the groups at once, from its own thread, so that the others, blocked in a collective that
     * waits for it or about to call one, fail now instead of waiting for it forever; the first
     * failure is thrown once every replica has stopped (the others' are only the abort's echo).
     */
    private <T> List<T> onEveryReplica(IntFunction<Callable<T>> task) {
        int n = replicas.size();
        firstFailure.set(null);
        List<Future<T>> futures = new ArrayList<>();
        for (int r = 1; r < n; r++) futures.add(pool.submit(abortingOnFailure(task.apply(r))));
        List<T> results = new ArrayList<>(Collections.nCopies(n, null));
        try {
            results.set(0, abortingOnFailure(task.apply(0)).call());
        } catch (Exception | Error e) {
            // recorded by abortingOnFailure
        }
        for (int r = 1; r < n; r++) {
            try {
                results.set(r, futures.get(r - 1).get());
            } catch (ExecutionException e) {
                // recorded by abortingOnFailure
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                replicaFailed(e);
            }
        }
        Throwable failure = firstFailure.get();
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error err) throw err;
        if (failure != null) throw new IllegalStateException(failure);
        return results;
    }

    private <T> Callable<T> abortingOnFailure(Callable<T> task) {
        return () -> {
            try {
                return task.call();
            } catch (Exception | Error e) {
                replicaFailed(e);
                throw e;
            }
        };
    }

    /** Records {@code e} when it is the first failure, before aborting, so that the peers' echoes of the abort are not taken for it. */
    private void replicaFailed(Throwable e) {
        if (firstFailure.compareAndSet(null, e)) abort();
    }

    /**
     * Aborts every group the replicas use, the model's and the gradients', whether thread groups or
     * the device type's (NCCL's): each member's abort ends its whole group for threads, and NCCL
     * needs every member in this process aborted.
     */
    private void abort() {
        for (ProcessGroup g : modelGroup) g.abort();
        for (ProcessGroup g : gradientGroup) g.abort();
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
        for (GradientReducer r : reducers) r.close();
        for (ThreadGroup g : threadGroups) g.close();
        if (!sharedDevice) {
            for (ProcessGroup g : modelGroup) g.close();
            for (ProcessGroup g : gradientGroup) g.close();
        }
    }
}
