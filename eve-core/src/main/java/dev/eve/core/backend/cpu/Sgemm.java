package dev.eve.core.backend.cpu;

import static dev.eve.core.backend.cpu.SgemmKernel.MR;
import static dev.eve.core.backend.cpu.SgemmKernel.NR;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Single-precision GEMM, {@code C = alpha * op(A) * op(B) + beta * C}, row-major, BLAS semantics, in pure
 * Java with the Vector API.
 *
 * <p>Structure (GotoBLAS/BLIS). k is cut into balanced blocks of at most {@link #KC}. A is packed into
 * {@code MR}-row slivers and B into {@code NR}-column slivers, per k block ({@link SgemmPacking}; packing reads
 * either storage order, so transposed operands cost no extra pass). C is cut into blocks of about
 * {@link #MC} x {@link #NC}; a block runs, for each k block, the {@code MR x NR} register-tiled micro-kernel of
 * {@link SgemmKernel} over its tiles, A sliver outer (it stays in L1 while the B slivers of the block stream
 * from L2), so that the block of C stays in cache across the k blocks and, with one k block, is written once.
 *
 * <p>Threads ({@link Parallel}) take whole rows of blocks (all of N for {@code MC} rows of C): the thread that
 * takes a row packs that row's A slivers (all of k) and then runs the row's blocks; a column block of B is
 * packed by the first thread that needs it, and the rows start at staggered columns so that the threads pack
 * different columns. A thread out of rows helps finish the blocks of rows still running. Threads only ever
 * wait for a packing that another thread is actively doing, never at a barrier, so the call cannot deadlock
 * whatever the pool is doing, and the memory-bound packing of one thread overlaps the arithmetic of the
 * others. The packing buffer is reused across calls. Edge tiles are computed into a scratch tile and written
 * back element-wise; results do not depend on the thread count.
 */
public final class Sgemm {

    /*
     * Blocking, tuned on Zen 5 (48 KB L1d, 1 MB L2 per core) with the 12 x 32 tile; system properties
     * eve.sgemm.kc / .mc / .nc override them. A large k block matters most: with one k block (k <= KC)
     * C is written exactly once, and every further block costs a reload of the C tiles.
     */
    /** Largest k block: the packed A sliver (MR x kc) is read from L1/L2 by every tile of its row. */
    static final int KC = Math.max(16, Integer.getInteger("eve.sgemm.kc", 1024));
    /** Rows of C per block (rounded to whole slivers of MR rows). */
    static final int MC = Math.max(MR, Integer.getInteger("eve.sgemm.mc", 96));
    /** Columns of C per block (rounded to whole slivers of NR columns): its B (K x NC) stays in L2. */
    static final int NC = Math.max(NR, Integer.getInteger("eve.sgemm.nc", 128));
    /**
     * Below this many multiply-adds a GEMM runs on the calling thread: waking the pool costs some 30 us here,
     * and the threads start and finish apart, so splitting pays from about a quarter of a millisecond of work.
     */
    static final long PARALLEL_MIN_FMAS = 1L << 24;
    /** Up to this many multiply-adds a plain triple loop is fastest. */
    static final long TINY = 512;
    /** Largest packed operand (floats); bigger problems are processed in chunks of rows or columns. */
    static final long MAX_PACK = 12L << 20;

    private Sgemm() {}

    /**
     * C = alpha * op(A) * op(B) + beta * C, all row-major. op(A) is m x k: element (i,p) is
     * a[aOff + i*lda + p] when !transA, a[aOff + p*lda + i] when transA. op(B) is k x n: element (p,j)
     * is b[bOff + p*ldb + j] when !transB, b[bOff + j*ldb + p] when transB. C element (i,j) is
     * c[cOff + i*ldc + j]. beta == 0 means C is write-only (NaNs in C are not propagated, as in BLAS).
     * Uses all threads of Parallel (runs single-threaded when called from inside a Parallel worker).
     * alpha == 0 or k == 0 does not read A or B (C = beta * C).
     *
     * @throws IllegalArgumentException on a negative size or offset, a leading dimension smaller than the
     *     row it spans, or an array too short (or null) for the largest index the call touches
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, true);
    }

    /**
     * Same as {@link #sgemm}, but always on the calling thread only (used when the caller parallelises
     * over a batch of small GEMMs, e.g. attention heads).
     */
    public static void sgemmSequential(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                       float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                       float beta, float[] c, int cOff, int ldc) {
        gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, false);
    }

    // ------------------------------------------------------------------------------------------------
    // Driver

    private static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc, boolean parallel) {
        validate(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        if ((long) m * n * k <= TINY) {
            SgemmSmall.naive(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (m <= SgemmSmall.ROWS) {
            SgemmSmall.fewRows(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, parallel);
            return;
        }
        if (n <= SgemmSmall.ROWS) {
            SgemmSmall.fewColumns(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, parallel);
            return;
        }
        int threads = parallel && (long) m * n * k >= PARALLEL_MIN_FMAS && !Parallel.inWorker()
                ? Parallel.threads() : 1;
        // Chunks whose packed operands stay below MAX_PACK floats each (one chunk unless huge).
        int kChunk = (int) Math.min(k, MAX_PACK / 64);
        for (int p0 = 0; p0 < k; p0 += kChunk) {
            int kp = Math.min(kChunk, k - p0);
            int mChunk = (int) Math.min(m, Math.max(MR, MAX_PACK / kp / MR * MR));
            int nChunk = (int) Math.min(n, Math.max(NR, MAX_PACK / kp / NR * NR));
            float bet = p0 == 0 ? beta : 1f;
            for (int i0 = 0; i0 < m; i0 += mChunk) {
                int mi = Math.min(mChunk, m - i0);
                int ai = aOff + (transA ? p0 * lda + i0 : i0 * lda + p0);
                for (int j0 = 0; j0 < n; j0 += nChunk) {
                    int nj = Math.min(nChunk, n - j0);
                    int bj = bOff + (transB ? j0 * ldb + p0 : p0 * ldb + j0);
                    Job job = new Job(transA, transB, mi, nj, kp, alpha, a, ai, lda, b, bj, ldb, bet, c,
                                      cOff + i0 * ldc + j0, ldc, threads, KC, MC, NC);
                    try {
                        job.run();
                    } finally {
                        Buffers.give(job.buf);
                    }
                }
            }
        }
    }

    /** One blocked GEMM: the packing buffer, the block grid and the work-sharing state of the threads. */
    private static final class Job {
        final boolean transA, transB;
        final int m, n, k, aOff, lda, bOff, ldb, cOff, ldc;
        final float alpha, beta;
        final float[] a, b, c;
        final int threads;
        /** k block, number of k blocks, A and B slivers, padded m and n. */
        final int kc, nkb, slA, slB, mPad, nPad;
        /** Packing buffer: A slivers of all k blocks at 0, B slivers at bBase. */
        final float[] buf;
        final int bBase;
        /** Block grid: rows x cols blocks of mcS A slivers x ncS B slivers. */
        final int mcS, ncS, rows, cols;
        /** Next row of blocks to take; per row, next column to take and whether its A is packed. */
        final AtomicInteger nextRow = new AtomicInteger();
        final AtomicIntegerArray nextCol, rowReady;
        /** Per column of blocks: 0 B not packed, 1 being packed, 2 packed. */
        final AtomicIntegerArray colState;

        Job(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, int threads,
            int kcMax, int mc, int nc) {
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            int blocks = (k + kcMax - 1) / kcMax;
            kc = (k + blocks - 1) / blocks;                 // balanced k blocks
            nkb = (k + kc - 1) / kc;
            slA = (m + MR - 1) / MR;
            slB = (n + NR - 1) / NR;
            mPad = slA * MR;
            nPad = slB * NR;
            long aLen = (long) k * mPad, bLen = (long) k * nPad;
            buf = Buffers.take(aLen + bLen);
            bBase = (int) aLen;
            int r = (slA + Math.max(1, mc / MR) - 1) / Math.max(1, mc / MR);
            int q = (slB + Math.max(1, nc / NR) - 1) / Math.max(1, nc / NR);
            // Enough blocks for the threads to share (whole slivers at least).
            while (threads > 1 && r * q < 4 * threads && (r < slA || q < slB)) {
                if (q < slB && (q <= r || r == slA)) q = Math.min(slB, 2 * q);
                else r = Math.min(slA, 2 * r);
            }
            mcS = (slA + r - 1) / r;
            ncS = (slB + q - 1) / q;
            rows = (slA + mcS - 1) / mcS;
            cols = (slB + ncS - 1) / ncS;
            this.threads = Math.min(threads, rows * cols);
            nextCol = new AtomicIntegerArray(rows);
            rowReady = new AtomicIntegerArray(rows);
            colState = new AtomicIntegerArray(cols);
        }

        void run() {
            if (threads > 1) Parallel.forChunks(threads, w -> work());
            else work();
        }

        /** One thread's share: whole rows while there are any, then help with rows others still run. */
        void work() {
            float[] tile = new float[MR * NR];
            for (int ib; (ib = nextRow.getAndIncrement()) < rows; ) {
                try {
                    packRow(ib);
                } finally {
                    rowReady.set(ib, 1);   // never leave a helper spinning, even if packing failed
                }
                runRow(ib, tile);
            }
            for (int ib = rows - 1; ib >= 0; ib--) {
                if (nextCol.get(ib) >= cols) continue;
                for (int spins = 0; rowReady.get(ib) == 0; spins++) pause(spins);
                runRow(ib, tile);
            }
        }

        private static void pause(int spins) {
            if (spins < 1000) Thread.onSpinWait();
            else Thread.yield();
        }

        /** The blocks of row ib not yet taken; row ib starts at a column staggered by ib. */
        private void runRow(int ib, float[] tile) {
            int rot = (int) ((long) ib * cols / threads % cols);
            for (int t; (t = nextCol.getAndIncrement(ib)) < cols; ) {
                int jb = t + rot < cols ? t + rot : t + rot - cols;
                ensureColumn(jb);
                block(ib, jb, tile);
            }
        }

        /** Packs the A slivers of row ib of blocks, all k blocks. */
        private void packRow(int ib) {
            int s0 = ib * mcS, s1 = Math.min(slA, s0 + mcS);
            for (int pc = 0; pc < k; pc += kc) {
                int kcb = Math.min(kc, k - pc);
                for (int s = s0; s < s1; s++)
                    SgemmPacking.packA(transA, a, aOff, lda, m, s * MR, pc, kcb, buf, aSliver(pc, kcb, s));
            }
        }

        /** Makes sure the B slivers of column jb of blocks are packed (packs them, or waits for their packer). */
        private void ensureColumn(int jb) {
            if (colState.get(jb) == 2) return;
            if (colState.compareAndSet(jb, 0, 1)) {
                try {
                    int t0 = jb * ncS, t1 = Math.min(slB, t0 + ncS);
                    for (int pc = 0; pc < k; pc += kc) {
                        int kcb = Math.min(kc, k - pc);
                        for (int t = t0; t < t1; t++)
                            SgemmPacking.packB(transB, b, bOff, ldb, n, t * NR, pc, kcb, buf, bSliver(pc, kcb, t));
                    }
                } finally {
                    colState.set(jb, 2);
                }
                return;
            }
            for (int spins = 0; colState.get(jb) != 2; spins++) pause(spins);
        }

        private int aSliver(int pc, int kcb, int s) {
            return pc * mPad + s * MR * kcb;
        }

        private int bSliver(int pc, int kcb, int t) {
            return bBase + pc * nPad + t * NR * kcb;
        }

        /** Block (ib, jb) of C, all k blocks: A sliver outer, B sliver inner. */
        private void block(int ib, int jb, float[] tile) {
            int s0 = ib * mcS, s1 = Math.min(slA, s0 + mcS);
            int t0 = jb * ncS, t1 = Math.min(slB, t0 + ncS);
            for (int pc = 0; pc < k; pc += kc) {
                int kcb = Math.min(kc, k - pc);
                float bet = pc == 0 ? beta : 1f;
                for (int s = s0; s < s1; s++) {
                    int i = s * MR, mv = Math.min(MR, m - i);
                    int ao = aSliver(pc, kcb, s);
                    for (int t = t0; t < t1; t++) {
                        int j = t * NR, nv = Math.min(NR, n - j);
                        int bo = bSliver(pc, kcb, t);
                        int co = cOff + i * ldc + j;
                        if (mv == MR && nv == NR) {
                            SgemmKernel.kernel(kcb, buf, ao, buf, bo, c, co, ldc, alpha, bet);
                        } else {
                            SgemmKernel.kernel(kcb, buf, ao, buf, bo, tile, 0, NR, alpha, 0f);
                            for (int r = 0; r < mv; r++, co += ldc) {
                                int to = r * NR;
                                if (bet == 0f) {
                                    System.arraycopy(tile, to, c, co, nv);
                                } else {
                                    for (int x = 0; x < nv; x++) c[co + x] = tile[to + x] + bet * c[co + x];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Small and degenerate cases

    /** C = beta * C (beta == 0 writes zeros without reading C). */
    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++) {
            int o = cOff + i * ldc;
            if (beta == 0f) Arrays.fill(c, o, o + n, 0f);
            else for (int j = 0; j < n; j++) c[o + j] *= beta;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Validation

    private static void validate(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                 float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0)
            throw new IllegalArgumentException("sgemm: negative size m=" + m + ", n=" + n + ", k=" + k);
        if (aOff < 0 || bOff < 0 || cOff < 0)
            throw new IllegalArgumentException(
                    "sgemm: negative offset aOff=" + aOff + ", bOff=" + bOff + ", cOff=" + cOff);
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        if (lda < aCols)
            throw new IllegalArgumentException("sgemm: lda=" + lda + " < " + aCols + " (columns of A stored "
                    + aRows + " x " + aCols + (transA ? ", transA" : "") + ")");
        if (ldb < bCols)
            throw new IllegalArgumentException("sgemm: ldb=" + ldb + " < " + bCols + " (columns of B stored "
                    + bRows + " x " + bCols + (transB ? ", transB" : "") + ")");
        if (ldc < n)
            throw new IllegalArgumentException("sgemm: ldc=" + ldc + " < n=" + n);
        if (m == 0 || n == 0) return;
        checkLength("C", c, cOff, m, n, ldc);
        if (k == 0 || alpha == 0f) return;
        checkLength("A", a, aOff, aRows, aCols, lda);
        checkLength("B", b, bOff, bRows, bCols, ldb);
    }

    private static void checkLength(String name, float[] x, int off, int rows, int cols, int ld) {
        if (x == null) throw new IllegalArgumentException("sgemm: " + name + " is null");
        long last = off + (long) (rows - 1) * ld + (cols - 1);
        if (last >= x.length)
            throw new IllegalArgumentException("sgemm: " + name + " too short: " + rows + " x " + cols
                    + " at offset " + off + " with leading dimension " + ld + " needs length >= "
                    + (last + 1) + ", got " + x.length);
    }

    // ------------------------------------------------------------------------------------------------
    // Packing buffers, reused across calls (one per concurrent call).

    static final class Buffers {
        private static final int MAX_POOLED = 4;
        private static final ConcurrentLinkedQueue<float[]> POOL = new ConcurrentLinkedQueue<>();
        private static final AtomicInteger POOLED = new AtomicInteger();

        private Buffers() {}

        /** A buffer of at least {@code len} floats (contents undefined). */
        static float[] take(long len) {
            if (len > Integer.MAX_VALUE - 16)
                throw new IllegalArgumentException("sgemm: packing buffer of " + len + " floats is too large");
            for (int tries = 0; tries < MAX_POOLED; tries++) {
                float[] f = POOL.poll();
                if (f == null) break;
                POOLED.decrementAndGet();
                if (f.length >= len) return f;
                give(f);    // too small for this call; keep it for a smaller one
            }
            return new float[(int) Math.min(Integer.MAX_VALUE - 16, len + (len >> 4))];
        }

        /** Returns a buffer; when the pool is full the smaller of it and a pooled one is dropped. */
        static void give(float[] f) {
            if (POOLED.incrementAndGet() <= MAX_POOLED) {
                POOL.offer(f);
                return;
            }
            POOLED.decrementAndGet();
            float[] other = POOL.poll();
            if (other == null) return;
            POOLED.decrementAndGet();
            give(other.length >= f.length ? other : f);
        }
    }
}
