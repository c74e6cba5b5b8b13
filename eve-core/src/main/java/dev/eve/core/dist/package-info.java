/**
 * The interface of data-parallel collectives ({@link dev.eve.core.dist.ProcessGroup}); the
 * implementations live with what they run on (threads in eve-models, NCCL in eve-cuda).
 */
package dev.eve.core.dist;
