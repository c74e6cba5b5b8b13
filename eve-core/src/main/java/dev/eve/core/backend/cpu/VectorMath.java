package dev.eve.core.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised transcendental helpers with scalar twins that use the same operations, so a value does
 * not change with its position in a row (vector body or scalar tail).
 *
 * <p>Only IEEE basic operations and fused multiply-adds are used, never the Vector API's
 * {@code EXP}/{@code TANH} lanewise ops or floating {@code reduceLanes(ADD)}: those may give
 * different last bits in interpreted and JIT-compiled code (SVML vs Java fallback, tree vs linear
 * reduction), which would make results depend on compilation timing and break bit-exact resume.
 */
final class VectorMath {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();

    // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), the approximation PyTorch's vectorised erf uses.
    private static final float P = 0.3275911f;
    private static final float A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f, A5 = 1.061405429f;

    static final float SQRT1_2 = 0.70710678118654752f;
    static final float INV_SQRT_2PI = 0.39894228040143268f;
    static final float GELU_TANH_K = 0.79788456080286536f; // sqrt(2/pi)
    static final float GELU_TANH_C = 0.044715f;
    static final float QUICK_GELU_ALPHA = 1.702f;

    private VectorMath() {}

    // Cephes expf: n = round(x log2 e), r = x - n ln2 (Cody-Waite), exp(r) by a degree-6 polynomial.
    private static final float LOG2E = 1.44269504088896341f, MAGIC = 12582912f;   // 1.5 * 2^23 rounds to an integer
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float E0 = 1.9875691500e-4f, E1 = 1.3981999507e-3f, E2 = 8.3334519073e-3f, E3 = 4.1665795894e-2f,
            E4 = 1.6666665459e-1f, E5 = 5.0000001201e-1f;
    private static final float EXP_LO = -104f, EXP_HI = 89f;

    /** e^x to about 1 ulp; 0 below -104, infinity above 89, NaN for NaN. */
    static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float n = (xc * LOG2E + MAGIC) - MAGIC;
        float r = Math.fma(n, -LN2_HI, xc);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(E0, r, E1), r, E2), r, E3), r, E4), r, E5);
        float y = Math.fma(p, r * r, r) + 1f;
        int ni = (int) n, n1 = ni >> 1, n2 = ni - n1;
        return y * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
    }

    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector n = xc.mul(LOG2E).add(MAGIC).sub(MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, E0).fma(r, FloatVector.broadcast(F, E1)).fma(r, FloatVector.broadcast(F, E2))
                .fma(r, FloatVector.broadcast(F, E3)).fma(r, FloatVector.broadcast(F, E4)).fma(r, FloatVector.broadcast(F, E5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1), n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(s1).mul(s2);
    }

    // Cephes tanhf: an odd polynomial below 0.625, 1 - 2 / (e^{2|x|} + 1) above.
    private static final float T0 = -5.70498872745e-3f, T1 = 2.06390887954e-2f, T2 = -5.37397155531e-2f,
            T3 = 1.33314422036e-1f, T4 = -3.33332819422e-1f;

    static float tanh(float x) {
        float ax = Math.abs(x);
        if (ax < 0.625f) {
            float z = x * x;
            float p = Math.fma(Math.fma(Math.fma(Math.fma(T0, z, T1), z, T2), z, T3), z, T4);
            return Math.fma(p * z, x, x);
        }
        float e = exp(ax + ax);
        return Math.copySign(1f - 2f / (e + 1f), x);
    }

    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector z = x.mul(x);
        FloatVector p = FloatVector.broadcast(F, T0).fma(z, FloatVector.broadcast(F, T1)).fma(z, FloatVector.broadcast(F, T2))
                .fma(z, FloatVector.broadcast(F, T3)).fma(z, FloatVector.broadcast(F, T4));
        FloatVector small = p.mul(z).fma(x, x);
        FloatVector e = exp(ax.add(ax));
        FloatVector big = FloatVector.broadcast(F, 1f).sub(FloatVector.broadcast(F, 2f).div(e.add(1f)));
        big = big.lanewise(VectorOperators.NEG, x.compare(VectorOperators.LT, 0f));
        VectorMask<Float> isSmall = ax.compare(VectorOperators.LT, 0.625f);
        return big.blend(small, isSmall);
    }

    /** Sum of the lanes in a fixed order (pairwise), identical in interpreted and compiled code. */
    static float sum(FloatVector v) {
        float[] a = new float[LANES];
        v.intoArray(a, 0);
        for (int width = LANES / 2; width >= 1; width /= 2)
            for (int i = 0; i < width; i++) a[i] += a[i + width];
        return a[0];
    }

    static float erf(float x) {
        float ax = Math.abs(x);
        float t = 1f / (1f + P * ax);
        float poly = ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t;
        float y = 1f - poly * exp(-ax * ax);
        return Math.copySign(y, x);
    }

    static FloatVector erf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector t = one.div(ax.mul(P).add(1f));
        FloatVector poly = t.mul(A5).add(A4).mul(t).add(A3).mul(t).add(A2).mul(t).add(A1).mul(t);
        FloatVector e = exp(ax.mul(ax).neg());
        FloatVector y = one.sub(poly.mul(e));
        // copysign(y, x): y >= 0, so take the sign bit of x.
        return y.lanewise(VectorOperators.NEG, x.compare(VectorOperators.LT, 0f));
    }

    static float sigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(F, 1f).div(exp(x.neg()).add(1f));
    }

    static FloatVector geluErf(FloatVector x) {
        return x.mul(0.5f).mul(erf(x.mul(SQRT1_2)).add(1f));
    }

    static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).mul(x).mul(GELU_TANH_C).add(x).mul(GELU_TANH_K);
        return x.mul(0.5f).mul(tanh(inner).add(1f));
    }

    static FloatVector quickGelu(FloatVector x) {
        return x.mul(sigmoid(x.mul(QUICK_GELU_ALPHA)));
    }

    /** d/dx gelu_erf = Phi(x) + x phi(x). */
    static float geluErfGrad(float x) {
        float cdf = 0.5f * (1f + erf(x * SQRT1_2));
        float pdf = INV_SQRT_2PI * exp(-0.5f * x * x);
        return cdf + x * pdf;
    }

    static FloatVector geluErfGrad(FloatVector x) {
        FloatVector cdf = erf(x.mul(SQRT1_2)).add(1f).mul(0.5f);
        FloatVector pdf = exp(x.mul(x).mul(-0.5f)).mul(INV_SQRT_2PI);
        return x.fma(pdf, cdf);
    }

    /** d/dx gelu_tanh, in PyTorch's form. */
    static float geluTanhGrad(float x) {
        float inner = GELU_TANH_K * (x + GELU_TANH_C * x * x * x);
        float t = tanh(inner);
        float left = 0.5f * x, right = 1f + t;
        float leftDerivative = 0.5f * right;
        float rightDerivative = left * (1f - t * t) * GELU_TANH_K * (1f + 3f * GELU_TANH_C * x * x);
        return leftDerivative + rightDerivative;
    }

    static FloatVector geluTanhGrad(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector inner = x2.mul(x).mul(GELU_TANH_C).add(x).mul(GELU_TANH_K);
        FloatVector t = tanh(inner);
        FloatVector leftDerivative = t.add(1f).mul(0.5f);
        FloatVector dInner = x2.mul(3f * GELU_TANH_C).add(1f).mul(GELU_TANH_K);
        FloatVector rightDerivative = x.mul(0.5f).mul(t.mul(t).neg().add(1f)).mul(dInner);
        return leftDerivative.add(rightDerivative);
    }

    /** d/dx x sigmoid(a x) = s + a x s (1 - s). */
    static float quickGeluGrad(float x) {
        float s = sigmoid(QUICK_GELU_ALPHA * x);
        return s + QUICK_GELU_ALPHA * x * s * (1f - s);
    }

    static FloatVector quickGeluGrad(FloatVector x) {
        FloatVector s = sigmoid(x.mul(QUICK_GELU_ALPHA));
        return x.mul(QUICK_GELU_ALPHA).mul(s).mul(s.neg().add(1f)).add(s);
    }

    static float geluErf(float x) {
        return 0.5f * x * (1f + erf(x * SQRT1_2));
    }

    static float geluTanh(float x) {
        return 0.5f * x * (1f + tanh(GELU_TANH_K * (x + GELU_TANH_C * x * x * x)));
    }

    static float quickGelu(float x) {
        return x * sigmoid(QUICK_GELU_ALPHA * x);
    }
}
