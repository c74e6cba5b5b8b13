package dev.eve.cuda.dist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules NcclGroup's abort and close follow, with plain Java standing in for the NCCL calls (the
 * communicator itself needs a GPU): the native handle is freed once, by the abort or by the close,
 * never under a call that is enqueuing work, and every later call says the communicator was aborted.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CommGuardTest {

    private static final String ABORTED = "NCCL communicator of rank 1 of 2 was aborted (a replica failed): it cannot be used again";

    private static CommGuard guard(long abortWaitMillis) {
        return new CommGuard("NCCL communicator of rank 1 of 2", abortWaitMillis);
    }

    @Test
    void callsRunWhileOpenAndFailClearlyAfterAnAbortWhichFreesOnce() {
        CommGuard g = guard(1000);
        AtomicInteger calls = new AtomicInteger(), frees = new AtomicInteger();
        g.run(calls::incrementAndGet);
        assertTrue(g.abort(frees::incrementAndGet));
        assertFalse(g.abort(frees::incrementAndGet), "a second abort does nothing");
        assertEquals(1, frees.get());
        assertTrue(g.isAborted());
        assertEquals(ABORTED, assertThrows(IllegalStateException.class, () -> g.run(calls::incrementAndGet)).getMessage());
        assertEquals(ABORTED, assertThrows(IllegalStateException.class, g::ensureOpen).getMessage());
        assertEquals(1, calls.get(), "the call after the abort never reached the communicator");
        assertFalse(g.close(), "the abort freed the communicator: a close must not destroy it again");
    }

    @Test
    void aCloseFreesOnceAndAnAbortAfterItDoesNothing() {
        CommGuard g = guard(1000);
        assertTrue(g.close());
        assertFalse(g.close());
        AtomicInteger frees = new AtomicInteger();
        assertFalse(g.abort(frees::incrementAndGet));
        assertEquals(0, frees.get());
        assertEquals("NCCL communicator of rank 1 of 2 is closed", assertThrows(IllegalStateException.class, g::ensureOpen).getMessage());
    }

    @Test
    void anAbortFromAnotherThreadWaitsForACallThatIsEnqueuingBeforeFreeing() throws Exception {
        CommGuard g = guard(10_000);
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch inside = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> call = pool.submit(() -> g.run(() -> {
                inside.countDown();
                sleep(300);   // enqueuing, as ncclAllReduce does
                order.add("call left");
            }));
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            g.abort(() -> order.add("freed"));
            call.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("call left", "freed"), order);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAbortDoesNotWaitForeverForACallBlockedOnAPeerThatIsGone() throws Exception {
        CommGuard g = guard(200);
        CountDownLatch inside = new CountDownLatch(1), freed = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            // A call that returns only once the communicator is aborted (NCCL's abort flag).
            Future<?> call = pool.submit(() -> g.run(() -> {
                inside.countDown();
                try {
                    freed.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }));
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            long start = System.nanoTime();
            assertTrue(g.abort(freed::countDown));
            call.get(10, TimeUnit.SECONDS);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs >= 150 && tookMs < 5_000, "waited its abort wait, then aborted: " + tookMs + " ms");
        } finally {
            pool.shutdownNow();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
