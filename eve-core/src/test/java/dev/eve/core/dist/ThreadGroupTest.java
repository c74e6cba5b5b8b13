package dev.eve.core.dist;

import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Aborting the collectives of replica threads: whoever waits, or comes later, fails at once; nobody waits for the timeout. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ThreadGroupTest {

    private static final String ABORTED = "the replicas' group was aborted (a replica failed): it cannot be used again";

    @Test
    void membersMeetUntilTheGroupIsAborted() throws Exception {
        ThreadGroup g = new ThreadGroup(2, 600);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Tensor mine = Tensor.of(new float[] {1, 2});
            Future<float[]> other = pool.submit(() -> {
                Tensor t = Tensor.of(new float[] {3, 4});
                g.member(1).allReduce(t, false);
                return t.toFloatArray();
            });
            g.member(0).allReduce(mine, false);
            assertArrayEquals(new float[] {4, 6}, mine.toFloatArray());
            assertArrayEquals(new float[] {4, 6}, other.get(10, TimeUnit.SECONDS));
            assertFalse(g.isAborted());
        } finally {
            pool.shutdownNow();
            g.close();
        }
    }

    @Test
    void aMemberBlockedInACollectiveFailsWhenAnotherThreadAborts() throws Exception {
        ThreadGroup g = new ThreadGroup(3, 600);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            // Member 0 waits for members 1 and 2, which never come (replica 2 has failed).
            Future<?> blocked = pool.submit(() -> g.member(0).allGather(Tensor.of(new float[] {1})));
            Thread.sleep(200);
            assertFalse(blocked.isDone(), "member 0 waits for the others");
            g.member(2).abort();
            ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(10, TimeUnit.SECONDS));
            assertEquals(ABORTED, assertInstanceOf(IllegalStateException.class, e.getCause()).getMessage());
            assertTrue(g.isAborted());
        } finally {
            pool.shutdownNow();
            g.close();
        }
    }

    @Test
    void aMemberThatComesAfterTheAbortFailsInsteadOfWaitingForTheTimeout() {
        // The timeout is ten minutes: a member arriving after the abort must not wait for it, as it did
        // when the abort reset a barrier (a reset barrier is waited on again).
        ThreadGroup g = new ThreadGroup(2, 600);
        g.abort();
        g.abort();   // idempotent
        Tensor t = Tensor.of(new float[] {1});
        ProcessGroup member = g.member(1);
        assertEquals(ABORTED, assertThrows(IllegalStateException.class, () -> member.allReduce(t, true)).getMessage());
        assertEquals(ABORTED, assertThrows(IllegalStateException.class, () -> member.broadcast(t, 0)).getMessage());
        assertEquals(ABORTED, assertThrows(IllegalStateException.class, member::barrier).getMessage());
        assertEquals(ABORTED, assertThrows(IllegalStateException.class, () -> member.allReduceAsync(t, true)).getMessage());
        g.close();
    }

    @Test
    void anAsynchronousAllReduceWaitingForAFailedPeerFailsItsAwait() throws Exception {
        ThreadGroup g = new ThreadGroup(2, 600);
        try {
            ProcessGroup.Work work = g.member(0).allReduceAsync(Tensor.of(new float[] {1}), true);
            Thread.sleep(100);
            g.member(0).abort();
            assertEquals(ABORTED, assertThrows(IllegalStateException.class, work::await).getMessage());
        } finally {
            g.close();
        }
    }

    @Test
    void aMemberThatTimesOutAbortsTheGroupForTheOthers() throws Exception {
        ThreadGroup g = new ThreadGroup(2, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.member(0).barrier());
        assertEquals("a replica stopped answering: no collective completed within 1 s", e.getMessage());
        assertTrue(g.isAborted(), "the member that gave up does not leave the other to go on alone");
        assertEquals(ABORTED, assertThrows(IllegalStateException.class, () -> g.member(1).barrier()).getMessage());
        g.close();
    }

    @Test
    void aGroupOfOneIsUnusableAfterAnAbortToo() {
        ThreadGroup g = new ThreadGroup(1);
        Tensor t = Tensor.of(new float[] {5});
        g.member(0).allReduce(t, true);
        assertArrayEquals(new float[] {5}, t.toFloatArray());
        g.member(0).abort();
        assertEquals(ABORTED, assertThrows(IllegalStateException.class, () -> g.member(0).allGather(t)).getMessage());
    }
}
