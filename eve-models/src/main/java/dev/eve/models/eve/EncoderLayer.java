package dev.eve.models.eve;

import dev.eve.core.nn.DropPath;
import dev.eve.core.nn.LayerNorm;
import dev.eve.core.nn.Mlp;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.MoeParams;
import dev.eve.models.eve.moe.MoeBlock;
import dev.eve.models.eve.moe.MoeLayer;

/**
 * One layer of the Multiway Transformer ({@code MultiwayTransformerEnocderLayer}): shared
 * attention, then either the modality-aware MoE (MoE layers) or the modality FFNs — V-FFN for image
 * tokens, T-FFN for text tokens, split by position in vl mode, and a VL-FFN in the vl-FFN layers —
 * each branch scaled by layer-scale gammas and wrapped in stochastic depth.
 */
public final class EncoderLayer extends Module {

    /** The layer output and, for MoE layers, what the router did. */
    public record Output(Tensor hidden, MoeLayer.Output moe) {}

    private final int index, numVisionTokens, numTextTokens;
    private final String singleFfn;
    private final boolean useFfn, moeLayer;
    private final EveAttention attn;
    private final LayerNorm norm1;
    private LayerNorm norm2Vl, norm2Imag, norm2Text;
    private MoeBlock mlpMoe;
    private Mlp mlpImag, mlpText, mlpVl;
    private final DropPath dropPath;

    public EncoderLayer(EveConfig c, int index, double dropPath, Generator gen) {
        this.index = index;
        this.numVisionTokens = c.numVisionTokens();
        this.numTextTokens = c.textLength();
        this.singleFfn = c.singleFfnType();
        this.useFfn = c.ffnLayers().contains(index);
        this.moeLayer = c.ffnType().equals("moe") && useFfn;
        int h = c.hiddenSize();
        // Registration order follows the original so that state dicts list keys in its order.
        attn = registerModule("attn", new EveAttention(h, c.numHeads(), c.attentionDropout(), gen));
        norm1 = registerModule("norm1", new LayerNorm(h, 1e-6));
        if (moeLayer) {
            norm2Vl = registerModule("norm2_vl", new LayerNorm(h, 1e-6));
            mlpMoe = registerModule("mlp_moe", new MoeBlock(h, c.intermediateSize(), c.hiddenAct(), c.moe(), numVisionTokens, c.initializerRange(), gen));
        } else {
            switch (singleFfn) {
                case "single" -> {
                    mlpImag = registerModule("mlp_imag", mlp(c, gen));
                    norm2Imag = registerModule("norm2_imag", new LayerNorm(h, 1e-6));
                }
                case "moe" -> {
                    norm2Imag = registerModule("norm2_imag", new LayerNorm(h, 1e-6));
                    MoeParams p = c.singleFfnMoe();
                    mlpMoe = registerModule("mlp_moe", new MoeBlock(h, c.intermediateSize(), c.hiddenAct(), p, numVisionTokens, c.initializerRange(), gen));
                }
                default -> {
                    mlpImag = registerModule("mlp_imag", mlp(c, gen));
                    norm2Imag = registerModule("norm2_imag", new LayerNorm(h, 1e-6));
                    mlpText = registerModule("mlp_text", mlp(c, gen));
                    norm2Text = registerModule("norm2_text", new LayerNorm(h, 1e-6));
                }
            }
            if (useFfn) {
                norm2Vl = registerModule("norm2_vl", new LayerNorm(h, 1e-6));
                mlpVl = registerModule("mlp_vl", mlp(c, gen));
            }
        }
        registerParameter("gamma_1", Tensor.full(c.layerScaleInit(), h));
        registerParameter("gamma_2", Tensor.full(c.layerScaleInit(), h));
        this.dropPath = registerModule("drop_path", new DropPath(dropPath));
    }

    private static Mlp mlp(EveConfig c, Generator gen) {
        return new Mlp(c.hiddenSize(), c.intermediateSize(), c.hiddenSize(), c.hiddenAct(), 0.0, gen);
    }

    public int index() {
        return index;
    }

    /** The MoE of this layer, or null. */
    public MoeLayer moe() {
        return mlpMoe == null ? null : mlpMoe.moe();
    }

    public Output forward(Tensor x, Tensor keyMask, Tensor relativeBias, Mode mode, boolean trace) {
        // The original splits the FFNs at n - pairs.max_tokens and the MoE at the configured vision
        // token count; for a full vl input (the only one embed() accepts) the two agree.
        return forward(x, keyMask, relativeBias, mode, mode == Mode.VL ? x.size(1) - numTextTokens : numVisionTokens, trace);
    }

    /**
     * One layer over x [B, N, H] whose first {@code visionTokens} tokens are vision tokens in vl mode
     * (fewer than the configured count when only the visible patches of a masked image are fed).
     */
    public Output forward(Tensor x, Tensor keyMask, Tensor relativeBias, Mode mode, int visionTokens, boolean trace) {
        Tensor a = attn.forward(norm1.forward(x), keyMask, relativeBias);
        x = x.add(dropPath.forward(a.mul(parameter("gamma_1"))));
        MoeLayer.Output routed = null;
        Tensor f;
        if (moeLayer) {
            routed = mlpMoe.moe().forward(norm2Vl.forward(x), mode, visionTokens, index, trace);
            f = routed.output();
        } else if (mode == Mode.VL && useFfn) {
            f = mlpVl.forward(norm2Vl.forward(x));
        } else if (singleFfn.equals("single")) {
            f = mlpImag.forward(norm2Imag.forward(x));
        } else if (singleFfn.equals("moe")) {
            // As in the original, this branch routes with the default (vl) modality split in every mode.
            routed = mlpMoe.moe().forward(norm2Imag.forward(x), Mode.VL, visionTokens, index, trace);
            f = routed.output();
        } else if (mode == Mode.VISION) {
            f = mlpImag.forward(norm2Imag.forward(x));
        } else if (mode == Mode.TEXT) {
            f = mlpText.forward(norm2Text.forward(x));
        } else {
            int n = x.size(1), split = visionTokens;
            Tensor vision = mlpImag.forward(norm2Imag.forward(x.slice(1, 0, split)));
            Tensor text = mlpText.forward(norm2Text.forward(x.slice(1, split, n)));
            f = Tensor.cat(1, vision, text);
        }
        return new Output(x.add(dropPath.forward(f.mul(parameter("gamma_2")))), routed);
    }
}
