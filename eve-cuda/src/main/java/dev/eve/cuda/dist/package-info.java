/**
 * Data parallelism over GPUs with NCCL, bootstrapped the way torchrun does it.
 *
 * <ul>
 *   <li>{@link dev.eve.cuda.dist.DistEnv}: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE (and LOCAL_RANK,
 *       the GPU of this process) from the environment, with one-line errors;</li>
 *   <li>{@link dev.eve.cuda.dist.Rendezvous}: rank 0 serves the NCCL unique id over a TCP socket at
 *       MASTER_ADDR:MASTER_PORT, every other rank fetches it (plain Java, testable without a GPU);</li>
 *   <li>{@link dev.eve.cuda.dist.BucketPlan}: gradients grouped, in the order backward produces them,
 *       into flat buckets of a bounded size (PyTorch DDP's 1 MiB first bucket, 25 MiB after);</li>
 *   <li>{@link dev.eve.cuda.dist.NcclGroup}: the communicator, all-reduce (sum or average), all-gather,
 *       barrier and the bucketed all-reduce of a model's gradients; it implements eve-core's
 *       {@link dev.eve.core.dist.ProcessGroup}, the collectives interface that eve-models' task losses
 *       and differentiable collectives take.</li>
 * </ul>
 */
package dev.eve.cuda.dist;
