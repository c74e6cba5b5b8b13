package dev.eve.cuda.dist;

import dev.eve.core.tensor.Tensor;

/**
 * The collectives data-parallel training needs, NCCL-style: every member calls the same operations
 * in the same order. The same methods as eve-models' {@code dev.eve.models.train.ProcessGroup}
 * (which eve-cuda cannot see), so that an adapter there is a plain delegation.
 */
public interface Collective extends AutoCloseable {

    int rank();

    int worldSize();

    /** Replaces {@code t} (contiguous) in place by the sum over members, divided by the world size when {@code mean}. */
    void allReduce(Tensor t, boolean mean);

    /** The members' tensors (same shape) concatenated along dim 0, in rank order. */
    Tensor allGather(Tensor t);

    /** Waits until every member arrives. */
    void barrier();

    @Override
    void close();
}
