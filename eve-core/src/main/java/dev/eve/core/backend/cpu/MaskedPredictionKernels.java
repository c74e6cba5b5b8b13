package dev.eve.core.backend.cpu;

import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

import java.util.function.IntConsumer;

import static dev.eve.core.backend.cpu.ElementwiseKernels.empty;
import static dev.eve.core.backend.cpu.ElementwiseKernels.storage;
import static dev.eve.core.backend.cpu.VectorMath.F;
import static dev.eve.core.backend.cpu.VectorMath.LANES;

/**
 * The fused masked-prediction cross-entropy (llm.c's fused classifier, without its [rows, V] buffer):
 * {@code loss[i] = logsumexp(h[i] W^T + b) - (h[i] W^T + b)[target[i]]} for the n gathered rows of
 * {@code h} [n, H] against a vocabulary {@code W} [V, H].
 *
 * <p>The logits exist one tile at a time: a block of {@link #ROW_BLOCK} rows times a chunk of
 * {@link #VOCAB_CHUNK} vocabulary columns, made by one packed GEMM ({@link Sgemm}). Scratch memory is
 * one tile per running task ({@code ROW_BLOCK x VOCAB_CHUNK} floats) plus a (max, sum-exp) pair per row
 * and chunk, never O(n x V).
 *
 * <p><b>Forward.</b> Every (row block, chunk) tile is an independent task: it folds each of its rows into
 * a partial (max, sum of exp(logit - max)) for that chunk and picks out the target logit when the target
 * falls in the chunk. Then each row merges its partials with the online log-sum-exp update
 * {@code m' = max(m, m_c), s' = s e^(m - m') + s_c e^(m_c - m')} in chunk order, giving the lse that the
 * backward reuses.
 *
 * <p><b>Backward.</b> A tile is recomputed, turned in place into {@code dlogits = (exp(logit - lse) -
 * onehot) * rowGrad}, and used twice: {@code dH[rows] += dlogits W[chunk]} and {@code dW[chunk] +=
 * dlogits^T h[rows]} (and the column sums into dBias), so each tile costs three GEMMs. dH of a row block
 * must take the chunks in order and dW of a chunk the row blocks in order (fixed-order reductions keep the
 * result independent of the thread count), so the tiles run as a wavefront: anti-diagonal
 * {@code r + c = k} holds tiles with distinct row blocks and distinct chunks, which run in parallel with
 * a single writer each, after diagonal {@code k - 1}. When only dH (only dW/dBias) is needed there is no
 * crossing dependency and row blocks (chunks) run in parallel, each over its chunks (row blocks) in order.
 *
 * <p>A step with fewer tiles than threads runs its tiles one after another on the calling thread, whose
 * GEMMs and row loops then use the pool themselves; {@link Sgemm} gives the same bits whatever its thread
 * count, and the row loops split rows (or columns) without changing any per-element arithmetic.
 */
final class MaskedPredictionKernels {

    /**
     * Vocabulary columns per logits tile. 2048 keeps one tile (with {@link #ROW_BLOCK} rows: 1 MB) in L2
     * while it is exponentiated and fed to the next GEMM, makes each GEMM large enough (128 x 2048 x H) to
     * amortise its packing of the weight chunk (2048 x 768 floats = 6 MB, streamed once per tile), and
     * still cuts EVE's 64k vocabulary into ~32 chunks: enough independent tasks to keep every core busy.
     */
    static final int VOCAB_CHUNK = 2048;

    /**
     * Rows per logits tile: a whole number of the GEMM's register tiles, and the k dimension of the dW
     * GEMM, whose output chunk (VOCAB_CHUNK x H) is reloaded once per row block, so not too small.
     */
    static final int ROW_BLOCK = 128;

    private MaskedPredictionKernels() {}

    /** Arguments shared by the tile tasks. */
    private static final class Problem {
        final int n, h, v, rowBlocks, chunks;
        final float[] hs, ws, bs;
        final int hOff, wOff, bOff;
        final int[] target;

        Problem(Tensor hidden, Tensor weight, Tensor bias, Tensor targets) {
            n = hidden.size(0);
            h = hidden.size(1);
            v = weight.size(0);
            rowBlocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
            chunks = (v + VOCAB_CHUNK - 1) / VOCAB_CHUNK;
            hs = storage(hidden).floats();
            hOff = hidden.offset();
            ws = storage(weight).floats();
            wOff = weight.offset();
            bs = bias == null ? null : storage(bias).floats();
            bOff = bias == null ? 0 : bias.offset();
            long[] ids = targets.toLongArray();
            target = new int[n];
            for (int i = 0; i < n; i++) target[i] = (int) ids[i]; // in [0, V): checked by the op layer
        }

        int rows(int r) {
            return Math.min(ROW_BLOCK, n - r * ROW_BLOCK);
        }

        int cols(int c) {
            return Math.min(VOCAB_CHUNK, v - c * VOCAB_CHUNK);
        }

        /** The logits of row block r and chunk c, without bias, as a fresh [rows, cols] array. */
        float[] logits(int r, int c) {
            int rows = rows(r), cols = cols(c);
            float[] tile = new float[rows * cols];
            if (h > 0)
                Sgemm.sgemm(false, true, rows, cols, h, 1f, hs, hOff + r * ROW_BLOCK * h, h,
                        ws, wOff + c * VOCAB_CHUNK * h, h, 0f, tile, 0, cols);
            return tile;
        }

        /** Adds the bias of chunk c to one row of a tile. */
        void addBias(float[] tile, int off, int c, int cols) {
            if (bs == null) return;
            int b0 = bOff + c * VOCAB_CHUNK, j = 0;
            for (int bound = F.loopBound(cols); j < bound; j += LANES)
                FloatVector.fromArray(F, tile, off + j).add(FloatVector.fromArray(F, bs, b0 + j)).intoArray(tile, off + j);
            for (; j < cols; j++) tile[off + j] += bs[b0 + j];
        }
    }

    // ------------------------------------------------------------------------------------------ forward

    /** hidden [n, H], weight [V, H], bias [V] or null (contiguous F32), targets I64 [n] -> {loss [n], lse [n]}. */
    static Tensor[] forward(Tensor hidden, Tensor weight, Tensor bias, Tensor targets) {
        int n = hidden.size(0);
        Tensor loss = empty(DType.F32, new int[] {n}), lse = empty(DType.F32, new int[] {n});
        if (n == 0) return new Tensor[] {loss, lse};
        Problem p = new Problem(hidden, weight, bias, targets);
        int nc = p.chunks;
        float[] partMax = new float[n * nc], partSum = new float[n * nc], targetLogit = new float[n];
        run(p.rowBlocks * nc, task -> {
            int r = task / nc, c = task % nc;
            int r0 = r * ROW_BLOCK, rows = p.rows(r), c0 = c * VOCAB_CHUNK, cols = p.cols(c);
            float[] tile = p.logits(r, c);
            Parallel.forRange(rows, 8, (s, e) -> {
                for (int i = s; i < e; i++) {
                    int off = i * cols, row = r0 + i;
                    p.addBias(tile, off, c, cols);
                    float max = rowMax(tile, off, cols);
                    partMax[row * nc + c] = max;
                    partSum[row * nc + c] = sumExp(tile, off, cols, max);
                    int t = p.target[row] - c0;
                    if (t >= 0 && t < cols) targetLogit[row] = tile[off + t];
                }
            });
        });
        float[] ls = storage(lse).floats(), out = storage(loss).floats();
        Parallel.forRange(n, 64, (s, e) -> {
            for (int i = s; i < e; i++) {
                // Online log-sum-exp over the chunks, in chunk order (StrictMath: the same bits in
                // interpreted and compiled code).
                double m = partMax[i * nc], sum = partSum[i * nc];
                for (int c = 1; c < nc; c++) {
                    double mc = partMax[i * nc + c], sc = partSum[i * nc + c];
                    if (mc > m) {
                        sum = sum * StrictMath.exp(m - mc) + sc;
                        m = mc;
                    } else {
                        sum += sc * StrictMath.exp(mc - m);
                    }
                }
                float l = (float) (m + StrictMath.log(sum));
                ls[i] = l;
                out[i] = l - targetLogit[i];
            }
        });
        return new Tensor[] {loss, lse};
    }

    private static float rowMax(float[] x, int off, int n) {
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += LANES) acc = acc.max(FloatVector.fromArray(F, x, off + j));
        float max = Float.NEGATIVE_INFINITY;
        float[] lanes = new float[LANES];
        acc.intoArray(lanes, 0);
        for (float f : lanes) max = Math.max(max, f);
        for (; j < n; j++) max = Math.max(max, x[off + j]);
        return max;
    }

    private static float sumExp(float[] x, int off, int n, float max) {
        FloatVector mv = FloatVector.broadcast(F, max), acc = FloatVector.zero(F);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += LANES)
            acc = acc.add(VectorMath.exp(FloatVector.fromArray(F, x, off + j).sub(mv)));
        float sum = VectorMath.sum(acc);
        for (; j < n; j++) sum += VectorMath.exp(x[off + j] - max);
        return sum;
    }

    // ------------------------------------------------------------------------------------------ backward

    /** Returns {dHidden, dWeight, dBias}, each null when not asked for; see the class comment. */
    static Tensor[] backward(Tensor hidden, Tensor weight, Tensor bias, Tensor targets, Tensor lse, Tensor rowGrad,
                             boolean needHidden, boolean needWeight, boolean needBias) {
        Tensor gh = needHidden ? empty(DType.F32, hidden.shape()) : null;
        Tensor gw = needWeight ? empty(DType.F32, weight.shape()) : null;
        Tensor gb = needBias ? empty(DType.F32, new int[] {weight.size(0)}) : null;
        Tensor[] result = {gh, gw, gb};
        if (hidden.size(0) == 0 || !(needHidden || needWeight || needBias)) return result;
        Problem p = new Problem(hidden, weight, bias, targets);
        float[] ls = storage(lse).floats(), gs = storage(rowGrad).floats();
        int lOff = lse.offset(), gOff = rowGrad.offset(), h = p.h;
        float[] ghs = gh == null ? null : storage(gh).floats();
        float[] gws = gw == null ? null : storage(gw).floats();
        float[] gbs = gb == null ? null : storage(gb).floats();
        TileTask tile = (r, c) -> {
            int r0 = r * ROW_BLOCK, rows = p.rows(r), c0 = c * VOCAB_CHUNK, cols = p.cols(c);
            float[] d = p.logits(r, c);
            Parallel.forRange(rows, 8, (s, e) -> {
                for (int i = s; i < e; i++) {
                    int off = i * cols, row = r0 + i;
                    p.addBias(d, off, c, cols);
                    dlogits(d, off, cols, ls[lOff + row], gs[gOff + row]);
                    int t = p.target[row] - c0;
                    if (t >= 0 && t < cols) d[off + t] -= gs[gOff + row];
                }
            });
            if (h > 0) {
                // dH[rows] (+)= dlogits . W[chunk]   (chunks in order)
                if (ghs != null)
                    Sgemm.sgemm(false, false, rows, h, cols, 1f, d, 0, cols, p.ws, p.wOff + c0 * h, h,
                            c == 0 ? 0f : 1f, ghs, r0 * h, h);
                // dW[chunk] (+)= dlogits^T . h[rows]   (row blocks in order)
                if (gws != null)
                    Sgemm.sgemm(true, false, cols, h, rows, 1f, d, 0, cols, p.hs, p.hOff + r0 * h, h,
                            r == 0 ? 0f : 1f, gws, c0 * h, h);
            }
            // dBias[chunk] += column sums of dlogits (rows in order; the columns split over threads)
            if (gbs != null)
                Parallel.forRange(cols, 256, (s, e) -> {
                    for (int i = 0; i < rows; i++) {
                        int off = i * cols, j = s;
                        for (int bound = s + F.loopBound(e - s); j < bound; j += LANES)
                            FloatVector.fromArray(F, gbs, c0 + j).add(FloatVector.fromArray(F, d, off + j)).intoArray(gbs, c0 + j);
                        for (; j < e; j++) gbs[c0 + j] += d[off + j];
                    }
                });
        };
        int nr = p.rowBlocks, nc = p.chunks;
        if (!needWeight && !needBias) {
            run(nr, r -> {
                for (int c = 0; c < nc; c++) tile.run(r, c);
            });
        } else if (!needHidden) {
            run(nc, c -> {
                for (int r = 0; r < nr; r++) tile.run(r, c);
            });
        } else {
            for (int k = 0; k < nr + nc - 1; k++) {
                int rLo = Math.max(0, k - (nc - 1)), rHi = Math.min(nr - 1, k), diagonal = k;
                run(rHi - rLo + 1, i -> tile.run(rLo + i, diagonal - rLo - i));
            }
        }
        return result;
    }

    /** One row of a tile, in place: logits -> exp(logit - lse) * g. */
    private static void dlogits(float[] x, int off, int n, float lse, float g) {
        FloatVector lv = FloatVector.broadcast(F, lse), gv = FloatVector.broadcast(F, g);
        int j = 0;
        for (int bound = F.loopBound(n); j < bound; j += LANES)
            VectorMath.exp(FloatVector.fromArray(F, x, off + j).sub(lv)).mul(gv).intoArray(x, off + j);
        for (; j < n; j++) x[off + j] = VectorMath.exp(x[off + j] - lse) * g;
    }

    @FunctionalInterface
    private interface TileTask {
        void run(int rowBlock, int chunk);
    }

    /**
     * Runs {@code body} for 0..count-1: as parallel tasks when there are at least as many as threads,
     * else one after another on the calling thread (whose GEMMs and row loops then use the pool).
     */
    private static void run(int count, IntConsumer body) {
        if (count >= Parallel.threads() && !Parallel.inWorker()) {
            Parallel.forChunks(count, body);
        } else {
            for (int i = 0; i < count; i++) body.accept(i);
        }
    }
}
