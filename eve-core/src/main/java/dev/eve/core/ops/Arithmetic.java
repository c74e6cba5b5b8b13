package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.backend.BinaryOp;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.util.Locale;

/** Elementwise ops of two tensors (NumPy broadcasting) or of a tensor and a scalar. */
public final class Arithmetic {

    private Arithmetic() {}

    public static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        Views.checkSameDevice(op.name().toLowerCase(Locale.ROOT), a, b);
        int[] shape;
        try {
            shape = Shapes.broadcast(a.shape(), b.shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op.name().toLowerCase(Locale.ROOT) + ": " + e.getMessage());
        }
        Tensor y = a.backend().binary(op, Views.broadcastView(a, shape), Views.broadcastView(b, shape));
        if (op.predicate() || !Node.needsGrad(a, b)) return y;
        return Node.record(y, new BinaryBackward(op, a, b, y));
    }

    public static Tensor scalar(BinaryOp op, Tensor a, double s, boolean scalarFirst) {
        Tensor y = a.backend().binaryScalar(op, a, s, scalarFirst);
        if (op.predicate() || !Node.needsGrad(a)) return y;
        return Node.record(y, new ScalarBackward(op, a, s, scalarFirst, y));
    }

    /** Sums a broadcast gradient back to {@code shape} (the adjoint of broadcasting). */
    public static Tensor sumToShape(Tensor grad, int[] shape) {
        int[] gs = grad.shape();
        if (java.util.Arrays.equals(gs, shape)) return grad;
        int lead = gs.length - shape.length;
        int count = 0;
        int[] dims = new int[gs.length];
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) dims[count++] = i;
        }
        Tensor r = grad;
        if (count > 0) r = r.sum(java.util.Arrays.copyOf(dims, count), true);
        return r.reshape(shape);
    }

    private static final class BinaryBackward extends Node {
        private final BinaryOp op;
        private final int[] aShape, bShape;
        private final boolean needA, needB;
        private Tensor a, b, y;

        BinaryBackward(BinaryOp op, Tensor a, Tensor b, Tensor y) {
            super(a, b);
            this.op = op;
            this.aShape = a.shape();
            this.bShape = b.shape();
            this.needA = a.requiresGrad();
            this.needB = b.requiresGrad();
            // Save only what the derivative needs.
            boolean saveA = op == BinaryOp.MUL && needB || op == BinaryOp.POW || op == BinaryOp.MAX
                    || op == BinaryOp.MIN || op == BinaryOp.REMAINDER && needB;
            boolean saveB = op == BinaryOp.MUL && needA || op == BinaryOp.DIV || op == BinaryOp.POW
                    || op == BinaryOp.MAX || op == BinaryOp.MIN || op == BinaryOp.REMAINDER && needB;
            this.a = saveA ? a.detach() : null;
            this.b = saveB ? b.detach() : null;
            this.y = op == BinaryOp.DIV && needB || op == BinaryOp.POW && needB ? y.detach() : null;
        }

        @Override
        public String name() {
            return op.name().toLowerCase(Locale.ROOT) + "_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor ga = null, gb = null;
            switch (op) {
                case ADD -> {
                    ga = g;
                    gb = g;
                }
                case SUB -> {
                    ga = g;
                    gb = needB ? g.neg() : null;
                }
                case MUL -> {
                    ga = needA ? g.mul(b) : null;
                    gb = needB ? g.mul(a) : null;
                }
                case DIV -> {
                    ga = needA ? g.div(b) : null;
                    gb = needB ? g.mul(y).div(b).neg() : null;
                }
                case POW -> {
                    ga = needA ? g.mul(b).mul(a.pow(b.sub(1))) : null;
                    gb = needB ? g.mul(y).mul(a.log()) : null;
                }
                case MAX, MIN -> {
                    // Ties split the gradient equally, as torch.maximum/minimum do.
                    Tensor aWins = op == BinaryOp.MAX ? a.gt(b) : a.lt(b);
                    Tensor tie = a.eq(b);
                    Tensor wa = aWins.to(g.dtype()).add(tie.to(g.dtype()).mul(0.5));
                    ga = needA ? g.mul(wa) : null;
                    gb = needB ? g.mul(wa.rsub(1)) : null;
                }
                case REMAINDER -> {
                    ga = g;
                    gb = needB ? g.mul(a.div(b).floor()).neg() : null;
                }
                default -> throw new IllegalStateException("no derivative for " + op);
            }
            return new Tensor[] {
                needA && ga != null ? sumToShape(ga, aShape) : null,
                needB && gb != null ? sumToShape(gb, bShape) : null
            };
        }

        @Override
        protected void releaseSaved() {
            a = b = y = null;
        }
    }

    private static final class ScalarBackward extends Node {
        private final BinaryOp op;
        private final double s;
        private final boolean scalarFirst;
        private Tensor a, y;

        ScalarBackward(BinaryOp op, Tensor a, double s, boolean scalarFirst, Tensor y) {
            super(a);
            this.op = op;
            this.s = s;
            this.scalarFirst = scalarFirst;
            this.a = a.detach();
            this.y = y.detach();
        }

        @Override
        public String name() {
            return op.name().toLowerCase(Locale.ROOT) + "_scalar_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor ga = switch (op) {
                case ADD -> g;
                case SUB -> scalarFirst ? g.neg() : g;
                case MUL -> g.mul(s);
                case DIV -> scalarFirst ? g.mul(y).div(a).neg() : g.div(s);
                case POW -> scalarFirst ? g.mul(y).mul(Math.log(s))
                        : s == 2 ? g.mul(a).mul(2) : g.mul(a.pow(s - 1)).mul(s);
                // clamp_min / clamp_max pass the gradient where the bound is not active (inclusive).
                case MAX -> g.mul(a.ge(s).to(g.dtype()));
                case MIN -> g.mul(a.le(s).to(g.dtype()));
                case REMAINDER -> scalarFirst ? g.mul(a.rdiv(s).floor()).neg() : g;
                default -> throw new IllegalStateException("no derivative for " + op);
            };
            return new Tensor[] {ga};
        }

        @Override
        protected void releaseSaved() {
            a = y = null;
        }
    }
}
