package dev.eve.core.dist;

import dev.eve.core.tensor.Tensor;

/**
 * The collectives data-parallel training needs, NCCL-style: every member calls the same operations
 * in the same order, with tensors on its own device. eve-models' {@code ThreadGroup} implements it
 * for replicas that are threads of this process (the CPU case); eve-cuda's {@code NcclGroup} for one
 * process per GPU over NCCL. It lives here, with the tensors, so that both implement it directly.
 */
public interface ProcessGroup {

    int rank();

    int worldSize();

    /** Replaces {@code t} (contiguous) in place by the sum over members, divided by the world size when {@code mean}. */
    void allReduce(Tensor t, boolean mean);

    /** The members' tensors (same shape) concatenated along dim 0, in rank order. */
    Tensor allGather(Tensor t);

    /** Waits until every member arrives. */
    void barrier();
}
