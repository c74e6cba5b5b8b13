package dev.eve.core.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The one thread pool of the CPU backend. Every parallel kernel splits its work through here, so the
 * thread count is a single knob: {@code EVE_NUM_THREADS} (environment) or {@code eve.num.threads}
 * (system property), else all available processors.
 */
public final class Parallel {

    /** The body of a parallel loop: processes indices {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static volatile ForkJoinPool pool;
    private static volatile int threads = configuredThreads();

    private Parallel() {}

    private static int configuredThreads() {
        String value = System.getProperty("eve.num.threads", System.getenv("EVE_NUM_THREADS"));
        int available = Runtime.getRuntime().availableProcessors();
        if (value == null || value.isBlank()) return available;
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 1) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "EVE_NUM_THREADS must be a positive integer, got '" + value + "'");
        }
    }

    /** Number of threads parallel kernels use. */
    public static int threads() {
        return threads;
    }

    /** Changes the thread count for all later kernels (1 makes every kernel sequential). */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        if (n == threads) return;
        ForkJoinPool old = pool;
        pool = null;
        threads = n;
        if (old != null) old.shutdown();
    }

    private static ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    p = new ForkJoinPool(threads, Parallel::newWorker, null, false);
                    pool = p;
                }
            }
        }
        return p;
    }

    private static java.util.concurrent.ForkJoinWorkerThread newWorker(ForkJoinPool p) {
        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
        t.setName("eve-cpu-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }

    /** True when the current thread is one of our workers (nested parallel loops then run inline). */
    public static boolean inWorker() {
        return Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w
                && w.getPool() == pool;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into contiguous chunks of at least {@code grain}
     * indices, at most one chunk per thread times a small factor for balance. Runs inline when the
     * work is too small, when one thread is configured, or when already inside a worker.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int t = threads;
        int maxChunks = Math.max(1, n / Math.max(1, grain));
        int chunks = Math.min(maxChunks, t == 1 ? 1 : t * 4);
        if (chunks <= 1 || inWorker()) {
            body.run(0, n);
            return;
        }
        forChunks(chunks, c -> {
            long start = (long) n * c / chunks;
            long end = (long) n * (c + 1) / chunks;
            if (end > start) body.run((int) start, (int) end);
        });
    }

    /** Runs {@code body.accept(c)} for every chunk index {@code c} in {@code [0, chunks)} in parallel. */
    public static void forChunks(int chunks, java.util.function.IntConsumer body) {
        if (chunks <= 0) return;
        if (chunks == 1 || threads == 1 || inWorker()) {
            for (int c = 0; c < chunks; c++) body.accept(c);
            return;
        }
        pool().invoke(new ChunkTask(body, 0, chunks));
    }

    private static final class ChunkTask extends RecursiveAction {
        private final java.util.function.IntConsumer body;
        private final int lo, hi;

        ChunkTask(java.util.function.IntConsumer body, int lo, int hi) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.accept(lo);
                return;
            }
            int mid = (lo + hi) >>> 1;
            ForkJoinTask.invokeAll(new ChunkTask(body, lo, mid), new ChunkTask(body, mid, hi));
        }
    }
}
