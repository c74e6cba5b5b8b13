package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.backend.Backend;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

/**
 * Mixture-of-experts data movement, differentiable: {@link #dispatch} gathers each token into the rows
 * of a packed expert buffer that its expert assignments name, and {@link #combine} gathers the experts'
 * output rows back into a weighted sum per token. Both take the same row map {@code rows} [k, S] (I32
 * or I64): {@code rows[j, s]} is the buffer row of token s's j-th assignment, or -1 when it was dropped;
 * kept entries must be distinct, so that each buffer row belongs to one assignment. The map may be
 * given on the host (the CPU) for tensors on another device: it is then checked there and uploaded,
 * with no device-to-host copy; a map on the device is read back once to be checked.
 *
 * <p>The kernels are {@link Backend#moeDispatch}, {@link Backend#moeCombine} and
 * {@link Backend#moeCombineBackward} (fused CUDA kernels on a GPU, row loops on the CPU); dispatch's
 * backward is a combine with unit weights. The composition they replace (an index_select per expert,
 * a multiply by the weight, a cat and an index_add into zeros) gives the same numbers, and the tests of
 * eve-models' MoeLayer compare the two.
 */
public final class Moe {

    private Moe() {}

    /**
     * {@code out[rows[j, s]] = tokens[s]} for every kept assignment; tokens [S, H] of a floating dtype,
     * rows [k, S]. Returns [outRows, H], zero in rows no assignment names. Gradient flows to tokens.
     *
     * @throws IllegalArgumentException for a shape or dtype that does not fit, or a row outside
     *     [-1, outRows) or named twice
     */
    public static Tensor dispatch(Tensor tokens, Tensor rows, int outRows) {
        String op = "moe_dispatch";
        if (tokens == null || rows == null) throw new IllegalArgumentException(op + ": tokens and rows must not be null");
        checkMatrix(op, "tokens", tokens, "[S, H]");
        if (!tokens.dtype().isFloating())
            throw new IllegalArgumentException(op + ": tokens must be a floating tensor, got " + tokens.dtype());
        if (outRows < 0) throw new IllegalArgumentException(op + ": outRows must be >= 0, got " + outRows);
        Tensor map = checkRows(op, rows, tokens, tokens.size(0), outRows, "outRows = " + outRows);
        Tensor out = tokens.backend().moeDispatch(tokens.detach(), map, outRows);
        return Node.needsGrad(tokens) ? Node.record(out, new DispatchBackward(tokens, map)) : out;
    }

    /**
     * {@code out[s] = sum_j weights[j, s] * y[rows[j, s]]} over the kept assignments, in j order; y [R, H]
     * of a floating dtype, rows [k, S], weights F32 [k, S] or null for all ones. Returns [S, H]; a token
     * with every assignment dropped gets a zero row. Gradients flow to y and to the weights.
     *
     * @throws IllegalArgumentException for a shape or dtype that does not fit, or a row outside [-1, R)
     *     or named twice
     */
    public static Tensor combine(Tensor y, Tensor rows, Tensor weights) {
        String op = "moe_combine";
        if (y == null || rows == null) throw new IllegalArgumentException(op + ": y and rows must not be null");
        Views.checkSameDevice(op, y, weights);
        checkMatrix(op, "y", y, "[R, H]");
        if (!y.dtype().isFloating()) throw new IllegalArgumentException(op + ": y must be a floating tensor, got " + y.dtype());
        if (rows.dim() != 2)
            throw new IllegalArgumentException(op + ": rows must be [k, S], got " + Shapes.format(rows.shape()));
        if (weights != null) {
            if (weights.dtype() != DType.F32)
                throw new IllegalArgumentException(op + ": weights must be F32, got " + weights.dtype());
            if (!java.util.Arrays.equals(weights.shape(), rows.shape()))
                throw new IllegalArgumentException(op + ": weights " + Shapes.format(weights.shape())
                        + " must have the shape of rows " + Shapes.format(rows.shape()) + " ([k, S])");
        }
        Tensor map = checkRows(op, rows, y, rows.size(1), y.size(0), "y " + Shapes.format(y.shape()));
        Tensor w = weights == null ? null : weights.detach();
        Tensor out = y.backend().moeCombine(y.detach(), map, w);
        if (!Node.needsGrad(y, weights)) return out;
        return Node.record(out, new CombineBackward(y, weights, map));
    }

    private static void checkMatrix(String op, String what, Tensor t, String expected) {
        if (t.dim() != 2)
            throw new IllegalArgumentException(op + ": " + what + " must be " + expected + ", got " + Shapes.format(t.shape()));
    }

    /**
     * Checks rows ([k, S] of an integer type, entries in [-1, bound), kept entries distinct) and returns
     * it as I32 on {@code data}'s device, the type the kernels take. A host map is checked in place and
     * uploaded; a map on another device must be on {@code data}'s and is read back once (k x S is small).
     */
    private static Tensor checkRows(String op, Tensor rows, Tensor data, int tokens, int bound, String boundName) {
        if (!rows.device().isCpu()) Views.checkSameDevice(op, data, rows);
        if (rows.dtype() != DType.I32 && rows.dtype() != DType.I64)
            throw new IllegalArgumentException(op + ": rows must be I32 or I64, got " + rows.dtype());
        if (rows.dim() != 2 || rows.size(1) != tokens)
            throw new IllegalArgumentException(op + ": rows must be [k, S] with S = " + tokens + " tokens, got "
                    + Shapes.format(rows.shape()));
        long[] v = rows.toLongArray();
        int[] owner = new int[bound];   // 1 + flat index of the assignment that took each row
        for (int i = 0; i < v.length; i++) {
            long r = v[i];
            if (r == -1) continue;
            if (r < -1 || r >= bound)
                throw new IllegalArgumentException(op + ": rows[" + i / tokens + ", " + i % tokens + "] = " + r
                        + " is outside [-1, " + bound + ") (" + boundName + "; -1 = dropped)");
            if (owner[(int) r] != 0) {
                int o = owner[(int) r] - 1;
                throw new IllegalArgumentException(op + ": rows[" + i / tokens + ", " + i % tokens + "] = " + r
                        + " repeats rows[" + o / tokens + ", " + o % tokens + "]: each buffer row takes one assignment");
            }
            owner[(int) r] = i + 1;
        }
        Tensor map = rows.dtype() == DType.I32 ? rows.detach() : rows.detach().to(DType.I32);
        return map.to(data.device());
    }

    private static final class DispatchBackward extends Node {
        private Tensor rows;

        DispatchBackward(Tensor tokens, Tensor rows) {
            super(tokens);
            this.rows = rows;
        }

        @Override
        public String name() {
            return "moe_dispatch_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.backend().moeCombine(g, rows, null)};
        }

        @Override
        protected void releaseSaved() {
            rows = null;
        }
    }

    private static final class CombineBackward extends Node {
        private final boolean hasWeights;
        private Tensor y, weights, rows;

        CombineBackward(Tensor y, Tensor weights, Tensor rows) {
            super(y, weights);
            this.y = y.detach();
            this.weights = weights == null ? null : weights.detach();
            this.hasWeights = weights != null;
            this.rows = rows;
        }

        @Override
        public String name() {
            return "moe_combine_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor[] in = inputs();
            boolean weightGrad = hasWeights && in[1].requiresGrad();
            Tensor[] r = g.backend().moeCombineBackward(g, y, rows, weights, weightGrad);
            return new Tensor[] {in[0].requiresGrad() ? r[0] : null, r[1]};
        }

        @Override
        protected void releaseSaved() {
            y = weights = rows = null;
        }
    }
}
