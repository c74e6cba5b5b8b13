package dev.eve.models.train;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Collectives between replicas that run as threads of one process. Members meet at a barrier,
 * publish their tensor, read every member's, and meet again before the slots are reused. Sums run
 * in rank order, so every member computes bit-identical results.
 */
public final class ThreadGroup {

    private final int size;
    private final CyclicBarrier barrier;
    private final Tensor[] slots;
    private final long timeoutSeconds;

    public ThreadGroup(int size) {
        this(size, 600);
    }

    public ThreadGroup(int size, long timeoutSeconds) {
        if (size < 1) throw new IllegalArgumentException("group size must be >= 1, got " + size);
        this.size = size;
        this.barrier = new CyclicBarrier(size);
        this.slots = new Tensor[size];
        this.timeoutSeconds = timeoutSeconds;
    }

    public int size() {
        return size;
    }

    /** The member with the given rank. */
    public ProcessGroup member(int rank) {
        if (rank < 0 || rank >= size) throw new IllegalArgumentException("rank " + rank + " outside a group of " + size);
        return new Member(rank);
    }

    private void await() {
        try {
            barrier.await(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the other replicas", e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("a replica failed or stopped answering (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Breaks the barrier so that members blocked in a collective fail instead of hanging. */
    public void abort() {
        barrier.reset();
    }

    private final class Member implements ProcessGroup {
        private final int rank;

        Member(int rank) {
            this.rank = rank;
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int worldSize() {
            return size;
        }

        @Override
        public void allReduce(Tensor t, boolean mean) {
            if (size == 1) {
                return;
            }
            if (!t.isContiguous()) throw new IllegalArgumentException("allReduce needs a contiguous tensor");
            slots[rank] = t.detach().copy();
            await();
            Tensor sum;
            try (var ignored = NoGrad.enter()) {
                sum = slots[0];
                for (int r = 1; r < size; r++) sum = sum.add(slots[r]);
                if (mean) sum = sum.div(size);
            }
            await();   // everyone has read the slots
            try (var ignored = NoGrad.enter()) {
                t.assign(sum);
            }
        }

        @Override
        public Tensor allGather(Tensor t) {
            if (size == 1) return t.detach().copy();
            slots[rank] = t.detach().contiguous();
            await();
            List<Tensor> all = new ArrayList<>(size);
            for (int r = 0; r < size; r++) all.add(slots[r]);
            Tensor out = Tensor.cat(0, all);
            await();
            return out;
        }

        @Override
        public void barrier() {
            if (size > 1) await();
        }
    }
}
