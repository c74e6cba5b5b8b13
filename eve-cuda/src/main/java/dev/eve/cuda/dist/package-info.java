/**
 * Data parallelism over GPUs with NCCL, bootstrapped the way torchrun does it.
 *
 * <ul>
 *   <li>{@link dev.eve.cuda.dist.DistEnv}: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE (and LOCAL_RANK,
 *       the GPU of a one-process-per-GPU job) from the environment, with one-line errors;</li>
 *   <li>{@link dev.eve.cuda.dist.NodeLayout}: the NCCL ranks when one process drives all GPUs of its
 *       machine (node n's GPU i is rank n * gpus + i);</li>
 *   <li>{@link dev.eve.cuda.dist.Rendezvous}: rank 0 serves the NCCL unique id(s) over a TCP socket at
 *       MASTER_ADDR:MASTER_PORT, every other rank fetches them (plain Java, testable without a GPU);</li>
 *   <li>{@link dev.eve.cuda.dist.NcclGroup}: a communicator member; all-reduce (sum or average, and
 *       asynchronously on a communication stream, for gradients overlapped with backward), all-gather
 *       (of unequal row counts too), broadcast and barrier; it implements eve-core's
 *       {@link dev.eve.core.dist.ProcessGroup}, so eve-core's
 *       {@link dev.eve.core.dist.GradientReducer} runs on it;</li>
 *   <li>{@link dev.eve.cuda.dist.NcclGroupProvider}: the groups of data-parallel replicas on this
 *       process's GPUs (and other machines' in a multi-node job), found by eve-models through
 *       {@link dev.eve.core.dist.ProcessGroupProvider}.</li>
 * </ul>
 */
package dev.eve.cuda.dist;
