package dev.eve.core.backend.cpu;

import dev.eve.core.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

import static dev.eve.core.backend.cpu.ElementwiseKernels.storage;
import static dev.eve.core.backend.cpu.VectorMath.F;
import static dev.eve.core.backend.cpu.VectorMath.LANES;

/** The fused AdamW update over contiguous F32 buffers. */
final class OptimizerKernels {

    private OptimizerKernels() {}

    static void adamw(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq,
                      double lr, double beta1d, double beta2d, double epsd, double weightDecay, long step) {
        for (Tensor t : new Tensor[] {param, grad, expAvg, expAvgSq})
            if (!t.isContiguous()) throw new IllegalArgumentException("adamw: every buffer must be contiguous");
        float[] p = storage(param).floats(), g = storage(grad).floats(), m = storage(expAvg).floats(), v = storage(expAvgSq).floats();
        int po = param.offset(), go = grad.offset(), mo = expAvg.offset(), vo = expAvgSq.offset();
        int n = param.numel();
        // Scalars as PyTorch 1.13's single-tensor AdamW forms them: Python floats (double), then
        // float32 where they meet the tensors.
        float decay = (float) (1.0 - lr * weightDecay);
        double bc1 = 1.0 - Math.pow(beta1d, step), bc2 = 1.0 - Math.pow(beta2d, step);
        float stepSize = (float) (lr / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        float beta1 = (float) beta1d, beta2 = (float) beta2d, eps = (float) epsd;
        float oneMinusB1 = (float) (1.0 - beta1d), oneMinusB2 = (float) (1.0 - beta2d);
        Parallel.forRange(n, 1 << 14, (s, e) -> {
            int i = s;
            FloatVector vDecay = FloatVector.broadcast(F, decay), vB1 = FloatVector.broadcast(F, beta1),
                    vB2 = FloatVector.broadcast(F, beta2), v1B1 = FloatVector.broadcast(F, oneMinusB1),
                    v1B2 = FloatVector.broadcast(F, oneMinusB2), vBc2 = FloatVector.broadcast(F, bc2Sqrt),
                    vEps = FloatVector.broadcast(F, eps), vStep = FloatVector.broadcast(F, stepSize);
            for (int bound = s + F.loopBound(e - s); i < bound; i += LANES) {
                FloatVector gv = FloatVector.fromArray(F, g, go + i);
                FloatVector pv = FloatVector.fromArray(F, p, po + i).mul(vDecay);
                FloatVector mv = FloatVector.fromArray(F, m, mo + i).mul(vB1).add(gv.mul(v1B1));
                FloatVector vv = FloatVector.fromArray(F, v, vo + i).mul(vB2).add(gv.mul(gv).mul(v1B2));
                FloatVector denom = vv.sqrt().div(vBc2).add(vEps);
                pv = pv.sub(mv.div(denom).mul(vStep));
                pv.intoArray(p, po + i);
                mv.intoArray(m, mo + i);
                vv.intoArray(v, vo + i);
            }
            for (; i < e; i++) {
                float gi = g[go + i];
                float pi = p[po + i] * decay;
                float mi = m[mo + i] * beta1 + gi * oneMinusB1;
                float vi = v[vo + i] * beta2 + gi * gi * oneMinusB2;
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
                p[po + i] = pi - stepSize * (mi / denom);
                m[mo + i] = mi;
                v[vo + i] = vi;
            }
        });
    }
}
