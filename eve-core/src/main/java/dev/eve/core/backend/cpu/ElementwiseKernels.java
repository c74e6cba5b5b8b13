package dev.eve.core.backend.cpu;

import dev.eve.core.backend.BinaryOp;
import dev.eve.core.backend.UnaryOp;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static dev.eve.core.backend.cpu.VectorMath.F;
import static dev.eve.core.backend.cpu.VectorMath.LANES;

/** Elementwise kernels: F32 rows vectorised for unit and zero strides, a generic path for other types. */
final class ElementwiseKernels {

    private ElementwiseKernels() {}

    static CpuStorage storage(Tensor t) {
        return (CpuStorage) t.storage();
    }

    static Tensor empty(DType dtype, int[] shape) {
        return Tensor.fromStorage(CpuStorage.allocate(dtype, dev.eve.core.tensor.Shapes.numel(shape)), shape);
    }

    // ================================================================= unary

    static Tensor unary(UnaryOp op, Tensor x) {
        DType in = x.dtype();
        DType outType = op.resultType(in);
        Tensor y = empty(outType, x.shape());
        if (in == DType.F32 && outType == DType.F32) {
            float[] xs = storage(x).floats(), ys = storage(y).floats();
            StridedLoop loop = StridedLoop.of(y, x);
            int xStride = loop.innerStride(1);
            loop.run(cost(op), (o, len) -> unaryRow(op, xs, o[1], xStride, ys, o[0], len));
            return y;
        }
        CpuStorage xs = storage(x), ys = storage(y);
        StridedLoop loop = StridedLoop.of(y, x);
        int yStride = loop.innerStride(0), xStride = loop.innerStride(1);
        boolean integer = outType.isInteger() || outType == DType.BOOL && !op.predicate();
        loop.run(1, (o, len) -> {
            for (int i = 0, yi = o[0], xi = o[1]; i < len; i++, yi += yStride, xi += xStride) {
                if (op == UnaryOp.NOT) ys.setLong(yi, xs.getDouble(xi) == 0 ? 1 : 0);
                else if (op == UnaryOp.IS_FINITE) ys.setLong(yi, Double.isFinite(xs.getDouble(xi)) ? 1 : 0);
                else if (integer) ys.setLong(yi, unaryLong(op, xs.getLong(xi)));
                else ys.setDouble(yi, unaryScalar(op, (float) xs.getDouble(xi)));
            }
        });
        return y;
    }


    private static int cost(UnaryOp op) {
        return switch (op) {
            case NEG, ABS, SQUARE, RELU, SIGN -> 1;
            default -> 8;
        };
    }

    private static long unaryLong(UnaryOp op, long v) {
        return switch (op) {
            case NEG -> -v;
            case ABS -> Math.abs(v);
            case SIGN -> Long.signum(v);
            case SQUARE -> v * v;
            case RELU -> Math.max(v, 0);
            default -> v; // FLOOR, CEIL, ROUND of integers
        };
    }

    static float unaryScalar(UnaryOp op, float x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1f / x;
            case EXP -> VectorMath.exp(x);
            case LOG -> (float) Math.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> (float) (1.0 / Math.sqrt(x));
            case TANH -> VectorMath.tanh(x);
            case SIGMOID -> VectorMath.sigmoid(x);
            case RELU -> x > 0 ? x : (Float.isNaN(x) ? x : 0f);
            case GELU_ERF -> VectorMath.geluErf(x);
            case GELU_TANH -> VectorMath.geluTanh(x);
            case QUICK_GELU -> VectorMath.quickGelu(x);
            case ERF -> VectorMath.erf(x);
            case SIN -> (float) Math.sin(x);
            case COS -> (float) Math.cos(x);
            case FLOOR -> (float) Math.floor(x);
            case CEIL -> (float) Math.ceil(x);
            case ROUND -> (float) Math.rint(x);
            case NOT -> x == 0 ? 1f : 0f;
            case IS_FINITE -> Float.isFinite(x) ? 1f : 0f;
        };
    }

    private static FloatVector unaryVector(UnaryOp op, FloatVector v) {
        return switch (op) {
            case NEG -> v.neg();
            case ABS -> v.abs();
            case SQUARE -> v.mul(v);
            case RECIPROCAL -> FloatVector.broadcast(F, 1f).div(v);
            case EXP -> VectorMath.exp(v);
            case SQRT -> v.sqrt();
            case RSQRT -> FloatVector.broadcast(F, 1f).div(v.sqrt());
            case TANH -> VectorMath.tanh(v);
            case SIGMOID -> VectorMath.sigmoid(v);
            case RELU -> v.max(0f).blend(v, v.test(jdk.incubator.vector.VectorOperators.IS_NAN));
            case GELU_ERF -> VectorMath.geluErf(v);
            case GELU_TANH -> VectorMath.geluTanh(v);
            case QUICK_GELU -> VectorMath.quickGelu(v);
            case ERF -> VectorMath.erf(v);
            default -> throw new IllegalStateException("no vector form for " + op);
        };
    }

    private static boolean vectorizable(UnaryOp op) {
        return switch (op) {
            // LOG, SIN and COS run as scalars (Math.*), which are deterministic; see VectorMath.
            case SIGN, FLOOR, CEIL, ROUND, NOT, IS_FINITE, LOG, SIN, COS -> false;
            default -> true;
        };
    }

    static void unaryRow(UnaryOp op, float[] x, int xo, int xs, float[] y, int yo, int len) {
        int i = 0;
        if (xs == 1 && vectorizable(op)) {
            for (int bound = F.loopBound(len); i < bound; i += LANES)
                unaryVector(op, FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < len; i++) y[yo + i] = unaryScalar(op, x[xo + i * xs]);
    }

    // ================================================================= unary derivatives

    static Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor grad) {
        Tensor gx = empty(DType.F32, x.shape());
        float[] out = storage(gx).floats();
        Tensor xf = x.dtype() == DType.F32 ? x : x.to(DType.F32);
        Tensor yf = y.dtype() == DType.F32 ? y : y.to(DType.F32);
        Tensor gf = grad.dtype() == DType.F32 ? grad : grad.to(DType.F32);
        float[] xs = storage(xf).floats(), ys = storage(yf).floats(), gs = storage(gf).floats();
        StridedLoop loop = StridedLoop.of(gx, xf, yf, gf);
        int sx = loop.innerStride(1), sy = loop.innerStride(2), sg = loop.innerStride(3);
        boolean vector = vectorDerivative(op);
        loop.run(8, (o, len) -> {
            int i = 0;
            if (vector && sx == 1 && sy == 1 && sg == 1) {
                for (int bound = F.loopBound(len); i < bound; i += LANES) {
                    FloatVector xv = FloatVector.fromArray(F, xs, o[1] + i);
                    FloatVector yv = FloatVector.fromArray(F, ys, o[2] + i);
                    FloatVector gv = FloatVector.fromArray(F, gs, o[3] + i);
                    derivativeVector(op, xv, yv, gv).intoArray(out, o[0] + i);
                }
            }
            for (; i < len; i++)
                out[o[0] + i] = derivativeScalar(op, xs[o[1] + i * sx], ys[o[2] + i * sy], gs[o[3] + i * sg]);
        });
        return gx;
    }

    private static float derivativeScalar(UnaryOp op, float x, float y, float g) {
        return switch (op) {
            case NEG -> -g;
            case ABS -> g * Math.signum(x);
            case SQUARE -> 2f * x * g;
            case RECIPROCAL -> -g * y * y;
            case EXP -> g * y;
            case LOG -> g / x;
            case SQRT -> g / (2f * y);
            case RSQRT -> -0.5f * g * y * y * y;
            case TANH -> g * (1f - y * y);
            case SIGMOID -> g * y * (1f - y);
            case RELU -> x > 0 ? g : 0f;
            case GELU_ERF -> g * VectorMath.geluErfGrad(x);
            case GELU_TANH -> g * VectorMath.geluTanhGrad(x);
            case QUICK_GELU -> g * VectorMath.quickGeluGrad(x);
            case ERF -> g * 1.1283791670955126f * VectorMath.exp(-x * x);
            case SIN -> g * (float) Math.cos(x);
            case COS -> -g * (float) Math.sin(x);
            default -> 0f;
        };
    }

    private static FloatVector derivativeVector(UnaryOp op, FloatVector x, FloatVector y, FloatVector g) {
        return switch (op) {
            case NEG -> g.neg();
            case SQUARE -> x.mul(g).mul(2f);
            case EXP -> g.mul(y);
            case LOG -> g.div(x);
            case SQRT -> g.div(y.mul(2f));
            case TANH -> g.mul(y.mul(y).neg().add(1f));
            case SIGMOID -> g.mul(y).mul(y.neg().add(1f));
            case RELU -> g.blend(0f, x.compare(VectorOperators.LE, 0f).or(x.test(VectorOperators.IS_NAN)));
            case GELU_ERF -> g.mul(VectorMath.geluErfGrad(x));
            case GELU_TANH -> g.mul(VectorMath.geluTanhGrad(x));
            case QUICK_GELU -> g.mul(VectorMath.quickGeluGrad(x));
            default -> throw new IllegalStateException("no vector derivative for " + op);
        };
    }

    private static boolean vectorDerivative(UnaryOp op) {
        return switch (op) {
            case NEG, SQUARE, EXP, LOG, SQRT, TANH, SIGMOID, RELU, GELU_ERF, GELU_TANH, QUICK_GELU -> true;
            default -> false;
        };
    }

    // ================================================================= binary

    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        DType outType = op.resultType(a.dtype(), b.dtype());
        Tensor y = empty(outType, a.shape());
        if (a.dtype() == DType.F32 && b.dtype() == DType.F32 && outType == DType.F32) {
            float[] as = storage(a).floats(), bs = storage(b).floats(), ys = storage(y).floats();
            StridedLoop loop = StridedLoop.of(y, a, b);
            int sa = loop.innerStride(1), sb = loop.innerStride(2);
            loop.run(op == BinaryOp.POW || op == BinaryOp.REMAINDER ? 8 : 1,
                    (o, len) -> binaryRow(op, as, o[1], sa, bs, o[2], sb, ys, o[0], len));
            return y;
        }
        binaryGeneric(op, a, b, y);
        return y;
    }

    static void binaryRow(BinaryOp op, float[] a, int ao, int sa, float[] b, int bo, int sb, float[] y, int yo, int len) {
        int i = 0;
        boolean vectorOp = op.ordinal() <= BinaryOp.MIN.ordinal() && op != BinaryOp.POW;
        if (vectorOp && (sa == 1 || sa == 0) && (sb == 1 || sb == 0)) {
            int bound = F.loopBound(len);
            if (sa == 1 && sb == 1) {
                for (; i < bound; i += LANES)
                    binaryVector(op, FloatVector.fromArray(F, a, ao + i), FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i);
            } else if (sa == 1) {
                FloatVector bv = FloatVector.broadcast(F, b[bo]);
                for (; i < bound; i += LANES)
                    binaryVector(op, FloatVector.fromArray(F, a, ao + i), bv).intoArray(y, yo + i);
            } else if (sb == 1) {
                FloatVector av = FloatVector.broadcast(F, a[ao]);
                for (; i < bound; i += LANES)
                    binaryVector(op, av, FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < len; i++) y[yo + i] = binaryScalar(op, a[ao + i * sa], b[bo + i * sb]);
    }

    private static FloatVector binaryVector(BinaryOp op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case MAX -> a.max(b);
            case MIN -> a.min(b);
            default -> throw new IllegalStateException("no vector form for " + op);
        };
    }

    static float binaryScalar(BinaryOp op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> b == 2f ? a * a : b == 0.5f ? (float) Math.sqrt(a) : (float) Math.pow(a, b);
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case REMAINDER -> {
                float r = a % b;
                yield r != 0 && (r < 0) != (b < 0) ? r + b : r;
            }
            default -> throw new IllegalStateException(op + " yields BOOL");
        };
    }

    private static boolean predicate(BinaryOp op, double a, double b) {
        return switch (op) {
            case EQ -> a == b;
            case NE -> a != b;
            case LT -> a < b;
            case LE -> a <= b;
            case GT -> a > b;
            case GE -> a >= b;
            case AND -> a != 0 && b != 0;
            case OR -> a != 0 || b != 0;
            default -> throw new IllegalStateException(op + " is not a predicate");
        };
    }

    private static long binaryLong(BinaryOp op, long a, long b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> {
                if (b < 0) throw new ArithmeticException("integers to negative integer powers are not allowed");
                long r = 1;
                for (long i = 0; i < b; i++) r *= a;
                yield r;
            }
            case REMAINDER -> {
                if (b == 0) throw new ArithmeticException("integer remainder by zero");
                yield Math.floorMod(a, b);
            }
            default -> throw new IllegalStateException("no integer form for " + op);
        };
    }

    private static void binaryGeneric(BinaryOp op, Tensor a, Tensor b, Tensor y) {
        CpuStorage as = storage(a), bs = storage(b), ys = storage(y);
        DType outType = y.dtype();
        boolean floating = a.dtype().isFloating() || b.dtype().isFloating() || op == BinaryOp.DIV;
        StridedLoop loop = StridedLoop.of(y, a, b);
        int sy = loop.innerStride(0), sa = loop.innerStride(1), sb = loop.innerStride(2);
        loop.run(2, (o, len) -> {
            for (int i = 0, yi = o[0], ai = o[1], bi = o[2]; i < len; i++, yi += sy, ai += sa, bi += sb) {
                if (op.predicate()) {
                    ys.setLong(yi, predicate(op, as.getDouble(ai), bs.getDouble(bi)) ? 1 : 0);
                } else if (floating || outType.isFloating()) {
                    ys.setDouble(yi, binaryScalar(op, (float) as.getDouble(ai), (float) bs.getDouble(bi)));
                } else {
                    ys.setLong(yi, binaryLong(op, as.getLong(ai), bs.getLong(bi)));
                }
            }
        });
    }

    static Tensor binaryScalarOp(BinaryOp op, Tensor a, double s, boolean scalarFirst) {
        DType outType = op.scalarResultType(a.dtype(), s);
        Tensor y = empty(outType, a.shape());
        if (a.dtype() == DType.F32 && outType == DType.F32) {
            float[] as = storage(a).floats(), ys = storage(y).floats();
            float[] sv = {(float) s};
            StridedLoop loop = StridedLoop.of(y, a);
            int sa = loop.innerStride(1);
            int cost = op == BinaryOp.POW || op == BinaryOp.REMAINDER ? 8 : 1;
            loop.run(cost, (o, len) -> {
                if (scalarFirst) binaryRow(op, sv, 0, 0, as, o[1], sa, ys, o[0], len);
                else binaryRow(op, as, o[1], sa, sv, 0, 0, ys, o[0], len);
            });
            return y;
        }
        CpuStorage as = storage(a), ys = storage(y);
        StridedLoop loop = StridedLoop.of(y, a);
        int sy = loop.innerStride(0), sa = loop.innerStride(1);
        loop.run(2, (o, len) -> {
            for (int i = 0, yi = o[0], ai = o[1]; i < len; i++, yi += sy, ai += sa) {
                double av = as.getDouble(ai);
                double l = scalarFirst ? s : av, r = scalarFirst ? av : s;
                if (op.predicate()) ys.setLong(yi, predicate(op, l, r) ? 1 : 0);
                else if (outType.isFloating()) ys.setDouble(yi, binaryScalar(op, (float) l, (float) r));
                else ys.setLong(yi, binaryLong(op, (long) l, (long) r));
            }
        });
        return y;
    }

    // ================================================================= where / copy / fill / add in place

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Tensor y = empty(a.dtype(), a.shape());
        CpuStorage cs = storage(cond), as = storage(a), bs = storage(b), ys = storage(y);
        StridedLoop loop = StridedLoop.of(y, cond, a, b);
        int sy = loop.innerStride(0), sc = loop.innerStride(1), sa = loop.innerStride(2), sb = loop.innerStride(3);
        if (a.dtype() == DType.F32 && cond.dtype() == DType.BOOL) {
            byte[] c = cs.bools();
            float[] af = as.floats(), bf = bs.floats(), yf = ys.floats();
            loop.run(1, (o, len) -> {
                for (int i = 0, yi = o[0], ci = o[1], ai = o[2], bi = o[3]; i < len; i++, yi += sy, ci += sc, ai += sa, bi += sb)
                    yf[yi] = c[ci] != 0 ? af[ai] : bf[bi];
            });
            return y;
        }
        loop.run(2, (o, len) -> {
            for (int i = 0, yi = o[0], ci = o[1], ai = o[2], bi = o[3]; i < len; i++, yi += sy, ci += sc, ai += sa, bi += sb) {
                if (a.dtype().isFloating()) ys.setDouble(yi, cs.getDouble(ci) != 0 ? as.getDouble(ai) : bs.getDouble(bi));
                else ys.setLong(yi, cs.getDouble(ci) != 0 ? as.getLong(ai) : bs.getLong(bi));
            }
        });
        return y;
    }

    static void copy(Tensor src, Tensor dst) {
        CpuStorage ss = storage(src), ds = storage(dst);
        StridedLoop loop = StridedLoop.of(dst, src);
        int sd = loop.innerStride(0), sr = loop.innerStride(1);
        if (src.dtype() == DType.F32 && dst.dtype() == DType.F32) {
            float[] s = ss.floats(), d = ds.floats();
            loop.run(1, (o, len) -> {
                if (sd == 1 && sr == 1) System.arraycopy(s, o[1], d, o[0], len);
                else if (sd == 1 && sr == 0) java.util.Arrays.fill(d, o[0], o[0] + len, s[o[1]]);
                else for (int i = 0, di = o[0], si = o[1]; i < len; i++, di += sd, si += sr) d[di] = s[si];
            });
            return;
        }
        if (src.dtype() == dst.dtype() && sd == 1 && sr == 1) {
            Object s = array(ss), d = array(ds);
            loop.run(1, (o, len) -> System.arraycopy(s, o[1], d, o[0], len));
            return;
        }
        boolean floating = src.dtype().isFloating() || dst.dtype().isFloating();
        loop.run(2, (o, len) -> {
            for (int i = 0, di = o[0], si = o[1]; i < len; i++, di += sd, si += sr) {
                if (floating) ds.setDouble(di, ss.getDouble(si));
                else ds.setLong(di, ss.getLong(si));
            }
        });
    }

    private static Object array(CpuStorage s) {
        return switch (s.dtype()) {
            case F32 -> s.floats();
            case I64 -> s.longs();
            case I32 -> s.ints();
            default -> s.bools();
        };
    }

    static void fill(Tensor dst, double value) {
        CpuStorage ds = storage(dst);
        StridedLoop loop = StridedLoop.of(dst);
        int sd = loop.innerStride(0);
        loop.run(1, (o, len) -> {
            if (dst.dtype() == DType.F32 && sd == 1) {
                java.util.Arrays.fill(ds.floats(), o[0], o[0] + len, (float) value);
            } else {
                for (int i = 0, di = o[0]; i < len; i++, di += sd) ds.setDouble(di, value);
            }
        });
    }

    static void addInPlace(Tensor a, Tensor b, float alpha) {
        if (a.dtype() != DType.F32 || b.dtype() != DType.F32) {
            Tensor sum = binary(BinaryOp.ADD, a, binaryScalarOp(BinaryOp.MUL, b, alpha, false));
            copy(sum, a);
            return;
        }
        float[] as = storage(a).floats(), bs = storage(b).floats();
        StridedLoop loop = StridedLoop.of(a, b);
        int sa = loop.innerStride(0), sb = loop.innerStride(1);
        loop.run(1, (o, len) -> {
            int i = 0;
            if (sa == 1 && sb == 1) {
                FloatVector av = FloatVector.broadcast(F, alpha);
                for (int bound = F.loopBound(len); i < bound; i += LANES)
                    FloatVector.fromArray(F, bs, o[1] + i).fma(av, FloatVector.fromArray(F, as, o[0] + i)).intoArray(as, o[0] + i);
            }
            for (; i < len; i++) as[o[0] + i * sa] += alpha * bs[o[1] + i * sb];
        });
    }
}
