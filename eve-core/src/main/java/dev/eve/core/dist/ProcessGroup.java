package dev.eve.core.dist;

import dev.eve.core.tensor.Tensor;

/**
 * The collectives data-parallel training needs, NCCL-style: every member calls the same operations
 * in the same order, with tensors on its own device. eve-models' {@code ThreadGroup} implements it
 * for replicas that are threads of this process; eve-cuda's {@code NcclGroup} over NCCL (one member
 * per GPU, in this process or in others). It lives here, with the tensors, so that both implement it
 * directly and {@link GradientReducer} works with either.
 */
public interface ProcessGroup extends AutoCloseable {

    /** A collective in flight, started by {@link #allReduceAsync}. */
    @FunctionalInterface
    interface Work {
        /** Work that has already finished. */
        Work DONE = () -> {};

        /**
         * Makes the collective's result visible to what this member does next: on a GPU, later work on
         * the compute stream waits for it (the host need not); on the CPU, the caller waits.
         */
        void await();
    }

    int rank();

    int worldSize();

    /** Replaces {@code t} (contiguous) in place by the sum over members, divided by the world size when {@code mean}. */
    void allReduce(Tensor t, boolean mean);

    /**
     * Starts {@link #allReduce} of {@code t} without waiting for it; {@code t} must not be read or
     * written until {@link Work#await()} returns. Asynchronous collectives of one member complete in
     * the order they were started. This default runs it at once.
     */
    default Work allReduceAsync(Tensor t, boolean mean) {
        allReduce(t, mean);
        return Work.DONE;
    }

    /**
     * The members' tensors concatenated along dim 0, in rank order. The members' tensors agree in all
     * dimensions but the first, which may differ (a shard that lost an unreadable example).
     */
    Tensor allGather(Tensor t);

    /** Replaces {@code t} (contiguous) on every member by member {@code root}'s. */
    void broadcast(Tensor t, int root);

    /** Waits until every member arrives. */
    void barrier();

    /**
     * Makes members blocked in a collective, or that will call one, fail instead of waiting forever;
     * the group is unusable afterwards. For a replica that failed: its peers would otherwise wait for
     * it in their next collective. Safe to call from any thread, while collectives are in flight, and
     * more than once; {@link #close()} is still to be called. The default does nothing: right for a
     * group whose members never wait for each other.
     */
    default void abort() {}

    /** Frees what the member holds (an NCCL communicator); the default holds nothing. */
    @Override
    default void close() {}
}
