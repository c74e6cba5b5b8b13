package dev.eve.core.nn;

import dev.eve.core.ops.Attention;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/**
 * {@code nn.MultiheadAttention} with PyTorch's parameter layout ({@code in_proj_weight} [3E, E],
 * {@code in_proj_bias} [3E], {@code out_proj.weight}, {@code out_proj.bias}) and its conventions:
 * inputs are [L, B, E] unless batch-first, and {@code keyPaddingMask} is true where a key is padding.
 * Attention runs on the fused kernel unless attention dropout is active in training.
 */
public class MultiheadAttention extends Module {

    private final int embedDim, numHeads, headDim;
    private final double dropout;
    private final boolean batchFirst;
    private final Linear outProj;

    public MultiheadAttention(int embedDim, int numHeads) {
        this(embedDim, numHeads, 0.0, false, Generator.current());
    }

    public MultiheadAttention(int embedDim, int numHeads, double dropout, boolean batchFirst, Generator gen) {
        if (embedDim % numHeads != 0)
            throw new IllegalArgumentException("embed dim " + embedDim + " is not divisible by " + numHeads + " heads");
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.headDim = embedDim / numHeads;
        this.dropout = dropout;
        this.batchFirst = batchFirst;
        Tensor w = registerParameter("in_proj_weight", Tensor.zeros(3 * embedDim, embedDim));
        Init.xavierUniform(w, 1.0, gen);
        Init.zeros(registerParameter("in_proj_bias", Tensor.zeros(3 * embedDim)));
        outProj = registerModule("out_proj", new Linear(embedDim, embedDim, true, gen));
        Init.zeros(outProj.bias());
    }

    /** Attention output with the input layout ([L,B,E], or [B,L,E] when batch-first). */
    public Tensor forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask) {
        Tensor q = batchFirst ? query : query.transpose(0, 1);
        Tensor k = batchFirst ? key : key.transpose(0, 1);
        Tensor v = batchFirst ? value : value.transpose(0, 1);
        int b = q.size(0), lq = q.size(1), lk = k.size(1);
        Tensor w = parameter("in_proj_weight"), bias = parameter("in_proj_bias");
        Tensor qp, kp, vp;
        if (query == key && key == value) {
            var parts = F.linear(q, w, bias).chunk(3, -1);
            qp = parts.get(0);
            kp = parts.get(1);
            vp = parts.get(2);
        } else {
            qp = F.linear(q, w.slice(0, 0, embedDim), bias.slice(0, 0, embedDim));
            kp = F.linear(k, w.slice(0, embedDim, 2 * embedDim), bias.slice(0, embedDim, 2 * embedDim));
            vp = F.linear(v, w.slice(0, 2 * embedDim, 3 * embedDim), bias.slice(0, 2 * embedDim, 3 * embedDim));
        }
        Tensor qh = qp.reshape(b, lq, numHeads, headDim).transpose(1, 2);
        Tensor kh = kp.reshape(b, lk, numHeads, headDim).transpose(1, 2);
        Tensor vh = vp.reshape(b, lk, numHeads, headDim).transpose(1, 2);
        Tensor keep = keyPaddingMask == null ? null : keyPaddingMask.logicalNot();
        double scale = 1 / Math.sqrt(headDim);
        Tensor o;
        if (dropout > 0 && isTraining()) {
            Tensor s = qh.mul(scale).matmul(kh.transpose(-2, -1));
            if (keyPaddingMask != null) s = s.maskedFill(keyPaddingMask.reshape(b, 1, 1, lk), Double.NEGATIVE_INFINITY);
            o = F.dropout(s.softmax(-1), dropout, true).matmul(vh);
        } else {
            o = Attention.scaledDotProduct(qh, kh, vh, keep, scale);
        }
        Tensor merged = o.transpose(1, 2).reshape(b, lq, embedDim);
        Tensor out = outProj.forward(merged);
        return batchFirst ? out : out.transpose(0, 1);
    }

    public int embedDim() {
        return embedDim;
    }

    public int numHeads() {
        return numHeads;
    }

    @Override
    protected String extraRepr() {
        return "embed_dim=" + embedDim + ", num_heads=" + numHeads + (batchFirst ? ", batch_first" : "");
    }
}
