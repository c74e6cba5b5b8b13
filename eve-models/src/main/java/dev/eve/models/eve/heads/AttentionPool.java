package dev.eve.models.eve.heads;

import dev.eve.core.nn.Activation;
import dev.eve.core.nn.Dropout;
import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Module;
import dev.eve.core.nn.Sequential;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/** Attention pooling of the NLVR2 head: score = ReLU(Linear(H, 1)) + mask * -1e4, softmax over tokens, weighted sum. */
public final class AttentionPool extends Module {

    private final Sequential fc;
    private final Dropout dropout;

    public AttentionPool(int hidden, double drop, Generator gen) {
        fc = registerModule("fc", new Sequential().add(new Linear(hidden, 1, true, gen)).add(new Activation(Activation.Kind.RELU)));
        dropout = registerModule("dropout", new Dropout(drop));
    }

    /** x [B, T, H]; paddingMask [B, T] true where padded (or null) -> [B, H]. */
    public Tensor forward(Tensor x, Tensor paddingMask) {
        Tensor score = fc.forward(x).squeeze(-1);
        if (paddingMask != null) score = score.add(paddingMask.to(score.dtype()).mul(-1e4));
        Tensor weights = dropout.forward(score.softmax(1));
        return weights.unsqueeze(1).matmul(x).squeeze(1);
    }
}
