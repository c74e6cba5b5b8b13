/**
 * Data-parallel training, independent of the backend: the collectives interface
 * ({@link dev.eve.core.dist.ProcessGroup}), its implementation for replicas that are threads of this
 * process ({@link dev.eve.core.dist.ThreadGroup}), the gradient averaging that overlaps backward
 * ({@link dev.eve.core.dist.GradientReducer} over a {@link dev.eve.core.dist.BucketPlan}), and the
 * service through which a backend module supplies its groups
 * ({@link dev.eve.core.dist.ProcessGroupProvider}, found by {@link dev.eve.core.dist.ProcessGroups};
 * NCCL's live in eve-cuda).
 */
package dev.eve.core.dist;
