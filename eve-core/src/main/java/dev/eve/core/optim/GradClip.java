package dev.eve.core.optim;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.Tensor;

import java.util.Collection;

/** Global-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {

    private GradClip() {}

    /** The L2 norm of all gradients together (parameters without grad are skipped). */
    public static double totalNorm(Collection<Tensor> params) {
        double sumSquares = 0;
        try (var ignored = NoGrad.enter()) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g == null) continue;
                double n = g.square().sum().item();
                sumSquares += n;
            }
        }
        return Math.sqrt(sumSquares);
    }

    /**
     * Scales all gradients by {@code maxNorm / (norm + 1e-6)} when the total norm exceeds
     * {@code maxNorm}; returns the norm before clipping (NaN or infinite norms are returned as is
     * and leave the gradients untouched, so the caller can skip the step).
     */
    public static double clipGradNorm(Collection<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("max norm must be positive, got " + maxNorm);
        double norm = totalNorm(params);
        if (!Double.isFinite(norm)) return norm;
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            try (var ignored = NoGrad.enter()) {
                for (Tensor p : params) if (p.grad() != null) p.setGrad(p.grad().mul(coef));
            }
        }
        return norm;
    }
}
