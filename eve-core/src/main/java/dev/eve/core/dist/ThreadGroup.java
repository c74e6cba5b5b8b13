package dev.eve.core.dist;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Collectives between replicas that run as threads of one process. Members meet at a barrier,
 * publish their tensor, read every member's, and meet again before the slots are reused. Sums run
 * in rank order, so every member computes bit-identical results. Members may be on different
 * devices: each reads the others' tensors through a copy to its own device (exact), so the results
 * are the same bits on every device whose kernels match the CPU's.
 *
 * <p>{@link ProcessGroup#allReduceAsync} runs on a communication thread of the member (one each,
 * started on first use), in the order started, like an NCCL stream; the member's other collectives
 * first wait for its asynchronous ones, so each member's sequence stays in issue order.
 *
 * <p>{@link #abort()} ends the group for good: a member blocked in a collective fails at once, and
 * so does every later collective (a member that was still computing when a peer failed must not
 * then wait for it). A member that times out waiting, or is interrupted, aborts the group too, so
 * that the others do not go on without it.
 */
public final class ThreadGroup {

    private final int size;
    /** Where members meet, twice per collective; terminated by {@link #abort()}. */
    private final Phaser meeting;
    private final Tensor[] slots;
    private final long timeoutSeconds;
    private final List<Member> members = new ArrayList<>();

    public ThreadGroup(int size) {
        this(size, 600);
    }

    public ThreadGroup(int size, long timeoutSeconds) {
        if (size < 1) throw new IllegalArgumentException("group size must be >= 1, got " + size);
        this.size = size;
        this.meeting = new Phaser(size);
        this.slots = new Tensor[size];
        this.timeoutSeconds = timeoutSeconds;
        for (int r = 0; r < size; r++) members.add(new Member(r));
    }

    public int size() {
        return size;
    }

    /** The member with the given rank. */
    public ProcessGroup member(int rank) {
        if (rank < 0 || rank >= size) throw new IllegalArgumentException("rank " + rank + " outside a group of " + size);
        return members.get(rank);
    }

    /** Waits until every member has arrived here; fails at once when the group is, or gets, aborted. */
    private void await() {
        // Unlike a barrier that is reset, a terminated phaser stays terminated: arriving after the abort fails too.
        int phase = meeting.arrive();
        if (phase < 0) throw aborted();
        try {
            if (meeting.awaitAdvanceInterruptibly(phase, timeoutSeconds, TimeUnit.SECONDS) < 0) throw aborted();
        } catch (InterruptedException e) {
            abort();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the other replicas", e);
        } catch (TimeoutException e) {
            abort();
            throw new IllegalStateException("a replica stopped answering: no collective completed within " + timeoutSeconds + " s", e);
        }
    }

    private IllegalStateException aborted() {
        return new IllegalStateException("the replicas' group was aborted (a replica failed): it cannot be used again");
    }

    /** Whether {@link #abort()} was called (or a member timed out). */
    public boolean isAborted() {
        return meeting.isTerminated();
    }

    /**
     * Ends the group: members blocked in a collective (their own or an asynchronous one), and every
     * collective called afterwards, fail instead of waiting. Idempotent, from any thread.
     */
    public void abort() {
        meeting.forceTermination();
    }

    /** Stops the members' communication threads. */
    public void close() {
        for (Member m : members) m.close();
    }

    private final class Member implements ProcessGroup {
        private final int rank;
        private ExecutorService comm;
        private Future<?> lastAsync = CompletableFuture.completedFuture(null);

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
            ensureNotAborted();
            drainAsync();
            reduce(t, mean);
        }

        /** Even a group of one, whose collectives never wait, is unusable after an abort, as the contract says. */
        private void ensureNotAborted() {
            if (isAborted()) throw aborted();
        }

        @Override
        public void abort() {
            ThreadGroup.this.abort();
        }

        private void reduce(Tensor t, boolean mean) {
            if (size == 1) {
                return;
            }
            if (!t.isContiguous()) throw new IllegalArgumentException("allReduce needs a contiguous tensor");
            slots[rank] = t.detach().copy();
            await();
            Tensor sum;
            try (var ignored = NoGrad.enter()) {
                Device here = t.device();
                sum = slots[0].to(here);
                for (int r = 1; r < size; r++) sum = sum.add(slots[r].to(here));
                if (mean) sum = sum.div(size);
            }
            await();   // everyone has read the slots
            try (var ignored = NoGrad.enter()) {
                t.assign(sum);
            }
        }

        @Override
        public synchronized Work allReduceAsync(Tensor t, boolean mean) {
            ensureNotAborted();
            if (size == 1) return Work.DONE;
            if (comm == null) comm = Executors.newSingleThreadExecutor(r -> {
                Thread th = new Thread(r, "eve-comm-" + rank);
                th.setDaemon(true);
                return th;
            });
            Future<?> f = comm.submit(() -> reduce(t, mean));
            lastAsync = f;
            return () -> join(f);
        }

        private void drainAsync() {
            Future<?> f;
            synchronized (this) {
                f = lastAsync;
            }
            join(f);
        }

        private void join(Future<?> f) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for an all-reduce", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException(e.getCause());
            }
        }

        @Override
        public Tensor allGather(Tensor t) {
            ensureNotAborted();
            drainAsync();
            if (size == 1) return t.detach().copy();
            slots[rank] = t.detach().contiguous();
            await();
            List<Tensor> all = new ArrayList<>(size);
            for (int r = 0; r < size; r++) all.add(slots[r].to(t.device()));
            Tensor out = Tensor.cat(0, all);
            await();
            return out;
        }

        @Override
        public void broadcast(Tensor t, int root) {
            if (root < 0 || root >= size) throw new IllegalArgumentException("broadcast root " + root + " outside a group of " + size);
            ensureNotAborted();
            drainAsync();
            if (size == 1) return;
            if (rank == root) slots[root] = t.detach();
            await();
            if (rank != root) {
                try (var ignored = NoGrad.enter()) {
                    t.assign(slots[root]);
                }
            }
            await();
        }

        @Override
        public void barrier() {
            ensureNotAborted();
            drainAsync();
            if (size > 1) await();
        }

        @Override
        public synchronized void close() {
            if (comm != null) comm.shutdownNow();
            comm = null;
        }
    }
}
