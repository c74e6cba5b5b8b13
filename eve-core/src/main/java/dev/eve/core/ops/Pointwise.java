package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.backend.UnaryOp;
import dev.eve.core.tensor.Tensor;

import java.util.Locale;

/** Elementwise functions of one tensor; the backend supplies both the function and its derivative. */
public final class Pointwise {

    private Pointwise() {}

    public static Tensor apply(UnaryOp op, Tensor x) {
        Tensor y = x.backend().unary(op, x);
        if (op.piecewiseConstant() || !Node.needsGrad(x)) return y;
        return Node.record(y, new UnaryBackward(op, x, y));
    }

    private static final class UnaryBackward extends Node {
        private final UnaryOp op;
        private Tensor x, y;

        UnaryBackward(UnaryOp op, Tensor x, Tensor y) {
            super(x);
            this.op = op;
            this.x = x.detach();
            this.y = y.detach();
        }

        @Override
        public String name() {
            return op.name().toLowerCase(Locale.ROOT) + "_backward";
        }

        @Override
        protected Tensor[] backward(Tensor grad) {
            return new Tensor[] {x.backend().unaryBackward(op, x, y, grad)};
        }

        @Override
        protected void releaseSaved() {
            x = y = null;
        }
    }
}
