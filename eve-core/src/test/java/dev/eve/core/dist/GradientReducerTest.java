package dev.eve.core.dist;

import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link GradientReducer} over a {@link ThreadGroup}: launch order, overlap, presence and the mean. */
class GradientReducerTest {

    /** Passes collectives through and records each bucket launch: its size and what had happened by then. */
    static final class Recording implements ProcessGroup {
        final ProcessGroup inner;
        final List<String> events = Collections.synchronizedList(new ArrayList<>());

        Recording(ProcessGroup inner) {
            this.inner = inner;
        }

        @Override public int rank() { return inner.rank(); }
        @Override public int worldSize() { return inner.worldSize(); }
        @Override public void allReduce(Tensor t, boolean mean) { inner.allReduce(t, mean); }
        @Override public Tensor allGather(Tensor t) { return inner.allGather(t); }
        @Override public void broadcast(Tensor t, int root) { inner.broadcast(t, root); }
        @Override public void barrier() { inner.barrier(); }

        @Override
        public Work allReduceAsync(Tensor t, boolean mean) {
            events.add("launch " + t.numel());
            return inner.allReduceAsync(t, mean);
        }
    }

    /** Runs {@code body(rank)} on one thread per member and returns their results in rank order. */
    static <T> List<T> onThreads(int n, IntFunction<T> body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                fs.add(pool.submit(() -> body.apply(rank)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Three one-element-per-bucket layers: w1 -> w2 -> w3 (w3 ready first). */
    static List<Tensor> layers() {
        return List.of(Tensor.of(new float[] {2, 3}).requiresGrad(true), Tensor.of(new float[] {5}).requiresGrad(true),
                Tensor.of(new float[] {7, 11, 13}).requiresGrad(true));
    }

    static Tensor forward(List<Tensor> w, float scale) {
        Tensor x = Tensor.of(new float[] {scale});
        Tensor h = w.get(0).sum().mul(x).tanh();
        h = h.mul(w.get(1)).tanh();
        return h.mul(w.get(2).sum()).sum();
    }

    @Test
    void bucketsGoOutInIndexOrderAsSoonAsTheyAreCompleteWhileBackwardRuns() throws Exception {
        ThreadGroup tg = new ThreadGroup(2);
        List<List<String>> logs = onThreads(2, rank -> {
            List<Tensor> w = layers();
            Recording g = new Recording(tg.member(rank));
            // Every parameter alone in its bucket (caps of one byte): three buckets, w3's first.
            try (GradientReducer red = new GradientReducer(w, g, 1, 1)) {
                assertEquals(3, red.plan().buckets().size());
                assertEquals(2, red.plan().buckets().get(0).slots().get(0).param());
                w.get(0).registerGradReadyHook(t -> g.events.add("w1 ready"));
                red.prepare();
                forward(w, rank + 1).backward();
                g.events.add("backward done");
                red.finish();
            }
            return g.events;
        });
        tg.close();
        for (List<String> log : logs)
            assertEquals(List.of("launch 4", "launch 2", "launch 3", "w1 ready", "backward done"), log,
                    "each bucket (3 + 1 presence, 1 + 1, 2 + 1 elements) launched when its gradient was ready");
    }

    @Test
    void aMissingGradientHoldsItsBucketAndEveryLaterOneUntilFinish() throws Exception {
        ThreadGroup tg = new ThreadGroup(2);
        List<List<String>> logs = onThreads(2, rank -> {
            List<Tensor> w = layers();
            Recording g = new Recording(tg.member(rank));
            try (GradientReducer red = new GradientReducer(w, g, 1, 1)) {
                red.prepare();
                // Rank 1 leaves out w3 (the first bucket), as an MoE replica whose expert got no token.
                Tensor loss = rank == 0 ? forward(w, 1) : w.get(0).sum().mul(w.get(1).sum());
                loss.backward();
                g.events.add("backward done");
                red.finish();
            }
            return g.events;
        });
        tg.close();
        assertEquals(List.of("launch 4", "launch 2", "launch 3", "backward done"), logs.get(0));
        assertEquals(List.of("backward done", "launch 4", "launch 2", "launch 3"), logs.get(1));
    }

    @Test
    void gradientsAreTheMeanOfThoseThatExistAndNullWhereNoReplicaHadOne() throws Exception {
        ThreadGroup tg = new ThreadGroup(3);
        List<float[][]> local = Collections.synchronizedList(new ArrayList<>(List.of(new float[3][], new float[3][], new float[3][])));
        List<List<Tensor>> params = onThreads(3, rank -> {
            Tensor shared = Tensor.of(new float[] {1.5f, -2f, 0f}).requiresGrad(true);
            Tensor onlyRankOne = Tensor.of(new float[] {3f}).requiresGrad(true);
            Tensor nobody = Tensor.of(new float[] {4f, 5f}).requiresGrad(true);
            List<Tensor> w = List.of(shared, onlyRankOne, nobody);
            try (GradientReducer red = new GradientReducer(w, tg.member(rank))) {
                assertEquals(1, red.plan().buckets().size(), "default caps: one bucket");
                red.prepare();
                Tensor loss = shared.mul(shared).mul(rank + 1.0f).sum();
                if (rank == 1) loss = loss.add(onlyRankOne.mul(onlyRankOne).mul(0.1f).sum());
                loss.backward();
                local.set(rank, new float[][] {shared.grad().toFloatArray(), rank == 1 ? onlyRankOne.grad().toFloatArray() : null});
                red.finish();
            }
            return w;
        });
        tg.close();
        // The old averaging: sum in rank order over the replicas that have a gradient, then divide by the world size.
        Tensor sum = Tensor.of(local.get(0)[0]).add(Tensor.of(local.get(1)[0])).add(Tensor.of(local.get(2)[0]));
        float[] expectedShared = sum.div(3).toFloatArray();
        float[] expectedOnly = Tensor.of(local.get(1)[1]).div(3).toFloatArray();
        for (List<Tensor> w : params) {
            assertArrayEquals(expectedShared, w.get(0).grad().toFloatArray(), "bit-identical to the rank-ordered sum / n");
            assertArrayEquals(expectedOnly, w.get(1).grad().toFloatArray());
            assertNull(w.get(2).grad(), "no replica had a gradient: it stays null");
        }
        // -0.0 in a missing gradient is the identity of addition: 0 * 2 * x is +0 and stays +0, bit for bit.
        assertEquals(0, Float.floatToIntBits(params.get(0).get(0).grad().toFloatArray()[2]));
    }

    @Test
    void aReducerIsReusableStepAfterStepAndIgnoresBackwardsOutsideAStep() throws Exception {
        ThreadGroup tg = new ThreadGroup(2);
        List<float[]> grads = onThreads(2, rank -> {
            Tensor w = Tensor.of(new float[] {1, 2}).requiresGrad(true);
            try (GradientReducer red = new GradientReducer(List.of(w), tg.member(rank))) {
                w.mul(100).sum().backward();   // not in a step: no collective, the gradient stays local
                w.setGrad(null);
                for (int step = 0; step < 3; step++) {
                    w.setGrad(null);
                    red.prepare();
                    w.mul(rank + step).sum().backward();
                    red.finish();
                }
            }
            return w.grad().toFloatArray();
        });
        tg.close();
        assertArrayEquals(new float[] {2.5f, 2.5f}, grads.get(0));   // step 2: (2 + 3) / 2
        assertArrayEquals(grads.get(0), grads.get(1));
    }

    @Test
    void misuseIsReported() {
        Tensor w = Tensor.of(new float[] {1}).requiresGrad(true);
        try (GradientReducer red = new GradientReducer(List.of(w), new ThreadGroup(1).member(0))) {
            assertThrows(IllegalStateException.class, red::finish);
            red.prepare();
            assertThrows(IllegalStateException.class, red::prepare);
            w.mul(2).sum().backward();
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> w.mul(2).sum().backward());
            assertNotNull(twice.getMessage());
            red.abandon();
        }
    }
}
