package dev.eve.core.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised transcendental helpers with scalar twins that use the same formulas, so a value does
 * not change with its position in a row (vector body or scalar tail).
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

    static float erf(float x) {
        float ax = Math.abs(x);
        float t = 1f / (1f + P * ax);
        float poly = ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t;
        float y = 1f - poly * (float) Math.exp(-ax * ax);
        return Math.copySign(y, x);
    }

    static FloatVector erf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector t = one.div(ax.mul(P).add(1f));
        FloatVector poly = t.mul(A5).add(A4).mul(t).add(A3).mul(t).add(A2).mul(t).add(A1).mul(t);
        FloatVector e = ax.mul(ax).neg().lanewise(VectorOperators.EXP);
        FloatVector y = one.sub(poly.mul(e));
        // copysign(y, x): y >= 0, so take the sign bit of x.
        return y.lanewise(VectorOperators.NEG, x.compare(VectorOperators.LT, 0f));
    }

    static float sigmoid(float x) {
        return 1f / (1f + (float) Math.exp(-x));
    }

    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(F, 1f).div(x.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    static FloatVector geluErf(FloatVector x) {
        return x.mul(0.5f).mul(erf(x.mul(SQRT1_2)).add(1f));
    }

    static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).mul(x).mul(GELU_TANH_C).add(x).mul(GELU_TANH_K);
        return x.mul(0.5f).mul(inner.lanewise(VectorOperators.TANH).add(1f));
    }

    static FloatVector quickGelu(FloatVector x) {
        return x.mul(sigmoid(x.mul(QUICK_GELU_ALPHA)));
    }

    /** d/dx gelu_erf = Phi(x) + x phi(x). */
    static float geluErfGrad(float x) {
        float cdf = 0.5f * (1f + erf(x * SQRT1_2));
        float pdf = INV_SQRT_2PI * (float) Math.exp(-0.5f * x * x);
        return cdf + x * pdf;
    }

    static FloatVector geluErfGrad(FloatVector x) {
        FloatVector cdf = erf(x.mul(SQRT1_2)).add(1f).mul(0.5f);
        FloatVector pdf = x.mul(x).mul(-0.5f).lanewise(VectorOperators.EXP).mul(INV_SQRT_2PI);
        return x.fma(pdf, cdf);
    }

    /** d/dx gelu_tanh, in PyTorch's form. */
    static float geluTanhGrad(float x) {
        float inner = GELU_TANH_K * (x + GELU_TANH_C * x * x * x);
        float t = (float) Math.tanh(inner);
        float left = 0.5f * x, right = 1f + t;
        float leftDerivative = 0.5f * right;
        float rightDerivative = left * (1f - t * t) * GELU_TANH_K * (1f + 3f * GELU_TANH_C * x * x);
        return leftDerivative + rightDerivative;
    }

    static FloatVector geluTanhGrad(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector inner = x2.mul(x).mul(GELU_TANH_C).add(x).mul(GELU_TANH_K);
        FloatVector t = inner.lanewise(VectorOperators.TANH);
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
        return 0.5f * x * (1f + (float) Math.tanh(GELU_TANH_K * (x + GELU_TANH_C * x * x * x)));
    }

    static float quickGelu(float x) {
        return x * sigmoid(QUICK_GELU_ALPHA * x);
    }
}
