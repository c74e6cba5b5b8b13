package dev.eve.core.nn;

import dev.eve.core.tensor.Tensor;

/** Layer norm over the last dim with learnable weight and bias (ones and zeros initially). */
public class LayerNorm extends Module implements TensorModule {

    private final int width;
    private final double eps;

    public LayerNorm(int width) {
        this(width, 1e-5, true);
    }

    public LayerNorm(int width, double eps) {
        this(width, eps, true);
    }

    public LayerNorm(int width, double eps, boolean affine) {
        this.width = width;
        this.eps = eps;
        if (affine) {
            registerParameter("weight", Tensor.ones(width));
            registerParameter("bias", Tensor.zeros(width));
        }
    }

    public double eps() {
        return eps;
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.layerNorm(x, parameter("weight"), parameter("bias"), eps);
    }

    @Override
    protected String extraRepr() {
        return width + ", eps=" + eps;
    }
}
