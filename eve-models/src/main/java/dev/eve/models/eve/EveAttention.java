package dev.eve.models.eve;

import dev.eve.core.nn.F;
import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/**
 * The shared self-attention of an EVE layer: one {@code qkv} projection without a bias parameter
 * whose bias is {@code cat(q_bias, 0, v_bias)} (no key bias), scale head_dim^-0.5, a key-padding
 * mask, and {@code proj}. Runs on the fused attention kernel; with a relative position bias or
 * attention dropout in training it takes the composed path that materialises the scores.
 */
public final class EveAttention extends Module {

    private final int dim, heads, headDim;
    private final double dropout;
    private final Linear qkv, proj;

    public EveAttention(int dim, int heads, double dropout, Generator gen) {
        this.dim = dim;
        this.heads = heads;
        this.headDim = dim / heads;
        this.dropout = dropout;
        registerParameter("q_bias", Tensor.zeros(dim));
        registerParameter("v_bias", Tensor.zeros(dim));
        qkv = registerModule("qkv", new Linear(dim, 3 * dim, false, gen));
        proj = registerModule("proj", new Linear(dim, dim, true, gen));
    }

    /**
     * x [B, N, C]; keyMask [B, N] (non-zero = attend) or null; relativeBias [heads, N, N] or null.
     */
    public Tensor forward(Tensor x, Tensor keyMask, Tensor relativeBias) {
        int b = x.size(0), n = x.size(1);
        Tensor q0 = parameter("q_bias");
        Tensor bias = Tensor.cat(0, q0, q0.newZeros(dim), parameter("v_bias"));
        Tensor packed = F.linear(x, qkv.weight(), bias).reshape(b, n, 3, heads, headDim).permute(2, 0, 3, 1, 4);
        Tensor q = packed.select(0, 0), k = packed.select(0, 1), v = packed.select(0, 2);
        double scale = Math.pow(headDim, -0.5);
        Tensor out;
        boolean dropping = dropout > 0 && isTraining();
        if (relativeBias == null && !dropping) {
            out = F.scaledDotProductAttention(q, k, v, keyMask, scale);
        } else {
            Tensor s = q.mul(scale).matmul(k.transpose(-2, -1));
            if (relativeBias != null) s = s.add(relativeBias.unsqueeze(0));
            if (keyMask != null) s = s.maskedFill(keyMask.eq(0).reshape(b, 1, 1, n), Double.NEGATIVE_INFINITY);
            Tensor p = s.softmax(-1);
            if (dropping) p = F.dropout(p, dropout, true);
            out = p.matmul(v);
        }
        return proj.forward(out.transpose(1, 2).reshape(b, n, dim));
    }
}
