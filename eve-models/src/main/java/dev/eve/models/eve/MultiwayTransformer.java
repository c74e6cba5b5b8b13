package dev.eve.models.eve;

import dev.eve.core.autograd.Checkpoint;
import dev.eve.core.nn.Dropout;
import dev.eve.core.nn.Embedding;
import dev.eve.core.nn.F;
import dev.eve.core.nn.Init;
import dev.eve.core.nn.LayerNorm;
import dev.eve.core.nn.Module;
import dev.eve.core.nn.ModuleList;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.eve.moe.MoeLayer;
import dev.eve.models.eve.moe.MoeRouting;

import java.util.ArrayList;
import java.util.List;

/**
 * The EVE backbone ({@code MultiwayTransformer} of the original, the {@code backbone.} prefix of the
 * checkpoints): patch and word embeddings, a pre-LayerNorm, the encoder of {@link EncoderLayer}s
 * and a final LayerNorm, in vision, text and vl modes.
 */
public final class MultiwayTransformer extends Module {

    /**
     * Encoder input: pre-normalised embeddings, the key mask (1 = real token) and how many leading
     * tokens are vision tokens (all in vision mode, none in text mode).
     */
    public record Embedded(Tensor hidden, Tensor mask, int visionTokens) {}

    /**
     * An encoder pass: the last layer's output (before the final norm), the load-balancing loss of
     * each MoE layer, their routing, and when traced the embeddings and every layer's output.
     */
    public record Encoded(Tensor hidden, Tensor mask, List<Tensor> auxLosses, List<MoeRouting> routing,
                          Tensor embed, List<Tensor> layers) {
        /** Mean over MoE layers of this pass's l_aux (0-d), or null without MoE layers. */
        public Tensor auxLossMean() {
            if (auxLosses.isEmpty()) return null;
            Tensor sum = auxLosses.get(0);
            for (int i = 1; i < auxLosses.size(); i++) sum = sum.add(auxLosses.get(i));
            return sum.div(auxLosses.size());
        }
    }

    private final EveConfig config;
    /**
     * Per-MoE-layer l_aux of the training-mode passes run between {@link #collectGateLoss()} and
     * {@link #takeGateLoss()} (the original's aux_loss_vl). Each holds its pass's autograd graph, so
     * passes outside such a window keep nothing: a plain training loop must not pin every step's
     * activations.
     */
    private final java.util.Map<Integer, List<Tensor>> auxByLayer = new java.util.TreeMap<>();
    private boolean collectingGateLoss;
    /** A window never closed by takeGateLoss() keeps at most this many passes (the oldest go, with one warning). */
    static final int MAX_PENDING_GATE_LOSSES = 64;
    private boolean warnedPendingGateLosses;
    private final Embedding wordEmbedding;
    private final LayerNorm layerNormText, preLayrnorm, norm;
    private final Dropout dropOutText;
    private final Encoder encoder;

    public MultiwayTransformer(EveConfig c, Generator gen) {
        this.config = c;
        int h = c.hiddenSize(), p = c.patchSize();
        double std = c.initializerRange();
        // Own parameters first, in the original's order, then buffers, then children.
        EveInit.truncNormal(registerParameter("class_embedding_vision", Tensor.zeros(h)), std, gen);
        EveInit.truncNormal(registerParameter("type_embed_vision", Tensor.zeros(h)), std, gen);
        EveInit.truncNormal(registerParameter("type_embed_text", Tensor.zeros(h)), std, gen);
        if (!c.relativePositionEmbed()) {
            EveInit.truncNormal(registerParameter("pos_embed_vision", Tensor.zeros(c.numVisionTokens(), h)), std, gen);
            EveInit.truncNormal(registerParameter("pos_embed_text", Tensor.zeros(c.maxTextPositions(), h)), std, gen);
            registerBuffer("position_ids_vision", Tensor.arange(c.numVisionTokens()).reshape(1, -1));
            registerBuffer("position_ids_text", Tensor.arange(c.maxTextPositions()));
        }
        PatchEmbed patchEmbed = registerModule("patch_embed", new PatchEmbed(3, h, p, gen));
        EveInit.truncNormal(patchEmbed.parameter("weight"), std, gen);
        Init.zeros(patchEmbed.parameter("bias"));
        wordEmbedding = registerModule("word_embedding", new Embedding(c.vocabSize(), h, -1, gen));
        Init.normal(wordEmbedding.weight(), 0, std, gen);
        layerNormText = registerModule("layer_norm_text", new LayerNorm(h, 1e-6));
        dropOutText = registerModule("drop_out_text", new Dropout(0.1));
        preLayrnorm = registerModule("pre_layrnorm", new LayerNorm(h, 1e-6));
        encoder = registerModule("encoder", new Encoder(c, gen));
        norm = registerModule("norm", new LayerNorm(h, 1e-6));
    }

    public EveConfig config() {
        return config;
    }

    public Encoder encoder() {
        return encoder;
    }

    public LayerNorm norm() {
        return norm;
    }

    /** The word-embedding matrix [V, H] (tied to the MLM head's output layer in pre-training). */
    public Tensor wordEmbeddingWeight() {
        return wordEmbedding.weight();
    }

    /** The MoE layers of the encoder, in layer order. */
    public List<MoeLayer> moeLayers() {
        List<MoeLayer> out = new ArrayList<>();
        for (EncoderLayer l : encoder.layers()) if (l.moe() != null) out.add(l.moe());
        return out;
    }

    // ================================================================= embeddings

    /** Vision tokens [B, Nv, H] (CLS + patches, positions and type added) and an all-ones mask. */
    public Tensor[] visionEmbeddings(Tensor image) {
        int r = config.imageRes();
        if (image.dim() != 4 || image.size(1) != 3 || image.size(2) != r || image.size(3) != r)
            throw new IllegalArgumentException("image of shape " + Shapes.format(image.shape()) + ", expected [B, 3, " + r + ", " + r
                    + "] (image_res " + r + ")");
        int b = image.size(0), h = config.hiddenSize();
        PatchEmbed patchEmbed = (PatchEmbed) child("patch_embed");
        Tensor patches = patchEmbed.forward(image).flatten(2, 3).transpose(1, 2);   // [B, P, H] row-major patches
        Tensor cls = parameter("class_embedding_vision").reshape(1, 1, h).expand(b, 1, h);
        Tensor x = Tensor.cat(1, cls, patches);
        if (!config.relativePositionEmbed()) x = x.add(parameter("pos_embed_vision"));
        x = x.add(parameter("type_embed_vision"));
        return new Tensor[] {x, Tensor.full(x.device(), DType.F32, 1, b, config.numVisionTokens())};
    }

    /** Text tokens [B, L, H]: LayerNorm(word embedding) -> dropout -> + positions + type; the mask is text_atts. */
    public Tensor[] textEmbeddings(Tensor ids, Tensor atts) {
        if (ids.dim() != 2 || !ids.dtype().isInteger())
            throw new IllegalArgumentException("text ids must be an integer [B, L] tensor, got " + ids.dtype() + " " + Shapes.format(ids.shape()));
        if (atts == null || !java.util.Arrays.equals(atts.shape(), ids.shape()))
            throw new IllegalArgumentException("text attention mask of shape " + (atts == null ? "null" : Shapes.format(atts.shape()))
                    + " does not match text ids " + Shapes.format(ids.shape()));
        int l = ids.size(1);
        if (!config.relativePositionEmbed() && l > config.maxTextPositions())
            throw new IllegalArgumentException("text of " + l + " tokens exceeds the " + config.maxTextPositions() + " text positions");
        long max = ids.numel() == 0 ? 0 : ids.max().longItem(), min = ids.numel() == 0 ? 0 : ids.min().longItem();
        if (min < 0 || max >= config.vocabSize())
            throw new IllegalArgumentException("token id " + (min < 0 ? min : max) + " is outside the vocabulary of " + config.vocabSize());
        Tensor x = dropOutText.forward(layerNormText.forward(wordEmbedding.forward(ids)));
        if (!config.relativePositionEmbed()) x = x.add(parameter("pos_embed_text").slice(0, 0, l));
        x = x.add(parameter("type_embed_text"));
        return new Tensor[] {x, atts.to(DType.F32)};
    }

    /** The original's {@code pre_forward}: embeddings of the mode, joined for vl, then pre_layrnorm. */
    public Embedded embed(Tensor image, Tensor ids, Tensor atts, Mode mode) {
        Tensor hidden, mask;
        int visionTokens;
        switch (mode) {
            case VISION -> {
                require(image, "image", mode);
                Tensor[] v = visionEmbeddings(image);
                hidden = v[0];
                mask = v[1];
                visionTokens = hidden.size(1);
            }
            case TEXT -> {
                require(ids, "text ids", mode);
                Tensor[] t = textEmbeddings(ids, atts);
                hidden = t[0];
                mask = t[1];
                visionTokens = 0;
            }
            default -> {
                require(image, "image", mode);
                require(ids, "text ids", mode);
                if (image.size(0) != ids.size(0))
                    throw new IllegalArgumentException("batch of " + image.size(0) + " images but " + ids.size(0) + " texts");
                if (ids.size(1) != config.textLength())
                    throw new IllegalArgumentException("vl mode needs texts of exactly " + config.textLength()
                            + " tokens (pairs.max_tokens; pad them), got " + ids.size(1));
                Tensor[] v = visionEmbeddings(image), t = textEmbeddings(ids, atts);
                hidden = Tensor.cat(1, v[0], t[0]);
                mask = Tensor.cat(1, v[1], t[1]);
                visionTokens = v[0].size(1);
            }
        }
        return new Embedded(preLayrnorm.forward(hidden), mask, visionTokens);
    }

    /**
     * The vl input of masked pre-training (the original's {@code vision_ids_keep} path): CLS plus
     * only the kept patches {@code idsKeep} [B, K] (indices into the row-major patch grid), followed
     * by the text. Unlike the original, whose ids_keep branch computes patches + positions and then
     * gathers from the patches without them, the kept patches carry their absolute positions: an
     * encoder that never sees where a patch is cannot learn where the masked ones were.
     */
    public Embedded embedVisible(Tensor image, Tensor idsKeep, Tensor ids, Tensor atts) {
        require(image, "image", Mode.VL);
        require(ids, "text ids", Mode.VL);
        if (config.relativePositionEmbed())
            throw new IllegalArgumentException("masked pre-training needs absolute position embeddings (relative_position_embed is true)");
        int b = image.size(0), h = config.hiddenSize(), patches = config.numVisionTokens() - 1;
        if (idsKeep.dim() != 2 || idsKeep.size(0) != b || !idsKeep.dtype().isInteger())
            throw new IllegalArgumentException("ids_keep must be an integer [" + b + ", K] tensor, got " + idsKeep.dtype() + " " + Shapes.format(idsKeep.shape()));
        if (idsKeep.numel() > 0 && (idsKeep.min().longItem() < 0 || idsKeep.max().longItem() >= patches))
            throw new IllegalArgumentException("ids_keep holds a patch index outside [0, " + patches + ")");
        if (image.size(0) != ids.size(0))
            throw new IllegalArgumentException("batch of " + image.size(0) + " images but " + ids.size(0) + " texts");
        Tensor full = visionEmbeddings(image)[0];                        // CLS + all patches, positions and type added
        Tensor kept = full.slice(1, 1, patches + 1)
                .gather(1, idsKeep.to(DType.I64).unsqueeze(-1).expand(b, idsKeep.size(1), h));
        Tensor vision = Tensor.cat(1, full.slice(1, 0, 1), kept);
        Tensor[] t = textEmbeddings(ids, atts);
        Tensor hidden = Tensor.cat(1, vision, t[0]);
        Tensor mask = Tensor.cat(1, Tensor.full(vision.device(), DType.F32, 1, b, vision.size(1)), t[1]);
        return new Embedded(preLayrnorm.forward(hidden), mask, vision.size(1));
    }

    private static void require(Tensor t, String what, Mode mode) {
        if (t == null) throw new IllegalArgumentException(mode.key() + " mode needs " + what);
    }

    // ================================================================= forward

    /** Runs the encoder (no final norm), with gradient checkpointing per layer when configured and training. */
    public Encoded encode(Embedded e, Mode mode, boolean trace) {
        List<Tensor> aux = new ArrayList<>();
        List<MoeRouting> routing = new ArrayList<>();
        List<Tensor> layers = trace ? new ArrayList<>() : List.of();
        List<Tensor> biases = encoder.relativeBiases(mode, e.hidden().size(1));
        Tensor keyMask = e.mask().eq(0).any().longItem() == 0 ? null : e.mask();
        Tensor x = e.hidden();
        for (int i = 0; i < encoder.size(); i++) {
            EncoderLayer layer = encoder.layer(i);
            Tensor bias = biases == null ? null : biases.get(i);
            if (config.gradientCheckpointing() && isTraining() && layer.moe() == null) {
                // The bias is an input, not a captured tensor: it comes from one table lookup shared by every
                // layer, so its gradient must flow back through the outer graph, once.
                x = Checkpoint.apply(a -> layer.forward(a[0], keyMask, a[1], mode, e.visionTokens(), false).hidden(), x, bias);
            } else {
                EncoderLayer.Output out = layer.forward(x, keyMask, bias, mode, e.visionTokens(), trace);
                x = out.hidden();
                if (out.moe() != null) {
                    aux.add(out.moe().lAux());
                    routing.add(out.moe().routing());
                    if (dev.eve.core.autograd.GradMode.isEnabled()) {   // only training needs it; no-grad passes would leak
                        keepGateLoss(i, out.moe().lAux());
                    }
                }
            }
            if (trace) layers.add(x);
        }
        return new Encoded(x, e.mask(), aux, routing, trace ? e.hidden() : null, layers);
    }

    private void keepGateLoss(int layer, Tensor lAux) {
        synchronized (auxByLayer) {
            if (!collectingGateLoss) return;
            List<Tensor> pending = auxByLayer.computeIfAbsent(layer, k -> new ArrayList<>());
            pending.add(lAux);
            if (pending.size() > MAX_PENDING_GATE_LOSSES) {
                pending.remove(0);
                if (!warnedPendingGateLosses) {
                    warnedPendingGateLosses = true;
                    org.slf4j.LoggerFactory.getLogger(MultiwayTransformer.class).warn(
                            "{} training-mode forward passes since collectGateLoss() without takeGateLoss(): dropping the oldest"
                                    + " MoE gate losses (each holds its pass's graph); take them once per step", MAX_PENDING_GATE_LOSSES);
                }
            }
        }
    }

    /** Forward passes whose gate losses wait for {@link #takeGateLoss()} (the most of any MoE layer). */
    int pendingGateLosses() {
        synchronized (auxByLayer) {
            return auxByLayer.values().stream().mapToInt(List::size).max().orElse(0);
        }
    }

    /**
     * The gate loss of everything run since the last call, as the original task models compute it:
     * for each MoE layer the mean of its l_aux over the forward passes, then the mean over layers;
     * null without MoE layers or when nothing was collected. Ends the window {@link #collectGateLoss()} opened.
     */
    public Tensor takeGateLoss() {
        synchronized (auxByLayer) {
            collectingGateLoss = false;
            if (auxByLayer.isEmpty()) return null;
            Tensor total = null;
            for (List<Tensor> l : auxByLayer.values()) {
                Tensor sum = l.get(0);
                for (int i = 1; i < l.size(); i++) sum = sum.add(l.get(i));
                Tensor mean = sum.div(l.size());
                total = total == null ? mean : total.add(mean);
            }
            int layers = auxByLayer.size();
            auxByLayer.clear();
            return total.div(layers);
        }
    }

    /**
     * Starts collecting the gate losses of the following training-mode passes (dropping any collected
     * before), for one {@link #takeGateLoss()}: call it at the start of each step's loss.
     */
    public void collectGateLoss() {
        synchronized (auxByLayer) {
            auxByLayer.clear();
            collectingGateLoss = true;
        }
    }

    /** The backbone output after the final norm [B, N, H]. */
    public Tensor forward(Tensor image, Tensor ids, Tensor atts, Mode mode) {
        return norm.forward(encode(embed(image, ids, atts, mode), mode, false).hidden());
    }

    /** Like {@link #forward} but also returns the encoder details (aux losses, routing, traced layers). */
    public Encoded forwardDetailed(Tensor image, Tensor ids, Tensor atts, Mode mode, boolean trace) {
        Encoded enc = encode(embed(image, ids, atts, mode), mode, trace);
        return new Encoded(norm.forward(enc.hidden()), enc.mask(), enc.auxLosses(), enc.routing(), enc.embed(), enc.layers());
    }

    /** Patch embedding: a conv with kernel = stride = patch size ({@code patch_embed.weight/bias}). */
    static final class PatchEmbed extends Module {
        private final int patch;

        PatchEmbed(int channels, int dim, int patch, Generator gen) {
            this.patch = patch;
            registerParameter("weight", Tensor.zeros(dim, channels, patch, patch));
            registerParameter("bias", Tensor.zeros(dim));
        }

        Tensor forward(Tensor image) {
            return F.conv2d(image, parameter("weight"), parameter("bias"), patch);
        }
    }
}
