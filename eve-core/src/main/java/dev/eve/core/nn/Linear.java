package dev.eve.core.nn;

import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/** {@code y = x W^T + b} with W [out, in], initialised as {@code nn.Linear}. */
public class Linear extends Module implements TensorModule {

    private final int inFeatures, outFeatures;

    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        this(inFeatures, outFeatures, bias, Generator.current());
    }

    public Linear(int inFeatures, int outFeatures, boolean bias, Generator gen) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        Tensor w = registerParameter("weight", Tensor.zeros(outFeatures, inFeatures));
        Init.kaimingUniform(w, Math.sqrt(5), gen);
        if (bias) {
            double bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
            Init.uniform(registerParameter("bias", Tensor.zeros(outFeatures)), -bound, bound, gen);
        }
    }

    public Tensor weight() {
        return parameter("weight");
    }

    public Tensor bias() {
        return parameter("bias");
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.linear(x, weight(), bias());
    }

    @Override
    protected String extraRepr() {
        return "in=" + inFeatures + ", out=" + outFeatures + ", bias=" + (bias() != null);
    }
}
