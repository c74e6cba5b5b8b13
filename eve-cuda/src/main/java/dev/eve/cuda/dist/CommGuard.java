package dev.eve.cuda.dist;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The life of a native communicator that one thread uses and another may abort: calls go in while
 * it is open; {@link #abort} (any thread, any time) or {@link #close} ends it, once, and the native
 * handle is freed by exactly one of them, never while a call is inside it. Later calls fail with an
 * {@link IllegalStateException} saying why.
 *
 * <p>An abort waits for the calls already inside the communicator only briefly: an NCCL call can
 * itself block on a peer that is gone (the first collective connects to its peers), and freeing is
 * what makes such a call return, by NCCL's abort flag. Calls that merely enqueue work leave within
 * microseconds, so the wait covers them.
 */
final class CommGuard {

    private static final String ABORTED = "aborted", CLOSED = "closed";

    private final String what;
    private final long abortWaitMillis;
    /** Read: a call inside the communicator; write: ending it. */
    private final ReentrantReadWriteLock inside = new ReentrantReadWriteLock();
    /** Null while open, else how it ended. */
    private final AtomicReference<String> ended = new AtomicReference<>();

    /** {@code what} names the communicator in messages, e.g. "NCCL communicator of rank 3 of 8". */
    CommGuard(String what, long abortWaitMillis) {
        this.what = what;
        this.abortWaitMillis = abortWaitMillis;
    }

    /** Runs {@code call} on the open communicator; an abort or close waits for it to leave (see the class comment for aborts). */
    void run(Runnable call) {
        inside.readLock().lock();
        try {
            ensureOpen();
            call.run();
        } finally {
            inside.readLock().unlock();
        }
    }

    /** Throws when the communicator has ended: after a host wait on its work, whose results an abort makes garbage. */
    void ensureOpen() {
        String how = ended.get();
        if (ABORTED.equals(how)) throw new IllegalStateException(what + " was aborted (a replica failed): it cannot be used again");
        if (CLOSED.equals(how)) throw new IllegalStateException(what + " is closed");
    }

    boolean isAborted() {
        return ABORTED.equals(ended.get());
    }

    /**
     * Ends the communicator with {@code abortNative} (ncclCommAbort), unless it has ended already;
     * returns whether this call ended it. Calls already inside are waited for up to the abort wait.
     */
    boolean abort(Runnable abortNative) {
        if (!ended.compareAndSet(null, ABORTED)) return false;
        boolean alone = false;
        try {
            alone = inside.writeLock().tryLock(abortWaitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();   // abort all the same: the peers must not hang
        }
        try {
            abortNative.run();
        } finally {
            if (alone) inside.writeLock().unlock();
        }
        return true;
    }

    /**
     * Ends the communicator for a close; returns whether the caller must free the native handle
     * (false when an abort has freed it, or it was closed before).
     */
    boolean close() {
        inside.writeLock().lock();
        try {
            return ended.compareAndSet(null, CLOSED);
        } finally {
            inside.writeLock().unlock();
        }
    }
}
