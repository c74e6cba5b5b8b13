package dev.eve.core.nn;

import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/** A lookup table of {@code count} vectors of {@code dim}, initialised N(0, 1) as {@code nn.Embedding}. */
public class Embedding extends Module {

    private final int count, dim;
    private final long paddingIdx;

    public Embedding(int count, int dim) {
        this(count, dim, -1, Generator.current());
    }

    /** {@code paddingIdx >= 0}: that row starts at zero and receives no gradient. */
    public Embedding(int count, int dim, long paddingIdx, Generator gen) {
        this.count = count;
        this.dim = dim;
        this.paddingIdx = paddingIdx;
        Tensor w = registerParameter("weight", Tensor.zeros(count, dim));
        Init.normal(w, 0, 1, gen);
        if (paddingIdx >= 0) {
            try (var ignored = dev.eve.core.autograd.NoGrad.enter()) {
                w.select(0, (int) paddingIdx).zero();
            }
        }
    }

    public Tensor weight() {
        return parameter("weight");
    }

    /** Vectors for integer ids of any shape: result shape {@code ids.shape + [dim]}. */
    public Tensor forward(Tensor ids) {
        return F.embedding(ids, weight(), paddingIdx);
    }

    @Override
    protected String extraRepr() {
        return count + ", " + dim;
    }
}
