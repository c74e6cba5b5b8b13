package dev.eve.models.train;

import dev.eve.core.autograd.Node;
import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.tensor.Tensor;

/**
 * Differentiable collectives. {@link #allGather} is the original's AllGather for ITC features: the
 * forward concatenates every replica's features; the backward sums the incoming gradients over
 * replicas (each computed the same loss from the same gathered features) and keeps this replica's
 * slice, so that with gradients averaged afterwards the result equals single-process training on
 * the whole batch.
 */
public final class Collectives {

    private Collectives() {}

    /** Members may contribute different numbers of rows (a shard that lost an unreadable image). */
    public static Tensor allGather(ProcessGroup group, Tensor t) {
        long[] sizes = group.allGather(Tensor.of(new long[] {t.size(0)}).to(t.device())).toLongArray();
        int offset = 0;
        for (int r = 0; r < group.rank(); r++) offset += (int) sizes[r];
        Tensor all = group.allGather(t);
        if (!Node.needsGrad(t)) return all;
        return Node.record(all, new AllGatherBackward(group, t, offset));
    }

    private static final class AllGatherBackward extends Node {
        private final ProcessGroup group;
        private final int rows, offset;

        AllGatherBackward(ProcessGroup group, Tensor t, int offset) {
            super(t);
            this.group = group;
            this.rows = t.size(0);
            this.offset = offset;
        }

        @Override
        public String name() {
            return "all_gather_backward";
        }

        @Override
        protected Tensor[] backward(Tensor grad) {
            Tensor g = grad.contiguous().copy();
            group.allReduce(g, false);
            return new Tensor[] {g.slice(0, offset, offset + rows).contiguous()};
        }
    }
}
