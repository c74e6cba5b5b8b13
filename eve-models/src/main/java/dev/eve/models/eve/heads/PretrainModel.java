package dev.eve.models.eve.heads;

import dev.eve.core.nn.Module;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.PretrainConfig;
import dev.eve.models.eve.MultiwayTransformer;
import dev.eve.models.eve.moe.MoeRouting;
import dev.eve.models.data.masking.ImageMask;
import dev.eve.models.data.masking.Patches;
import dev.eve.models.data.masking.TextMask;

import java.util.List;

/**
 * EVE pre-training by masked signal modeling: one vl pass of the backbone over the visible patches
 * and the masked text, then masked image modeling (a light decoder reconstructs the pixels of the
 * hidden patches; MSE over those patches only) and masked language modeling (the hidden tokens
 * predicted with the tied word embeddings; cross-entropy over those tokens only).
 * {@code loss = MIM + MLM + moe_lossweight x l_aux}.
 */
public final class PretrainModel extends Module {

    /** The loss and its parts (0-d), and the routing of the MoE layers in this pass. */
    public record Output(Tensor loss, Tensor mim, Tensor mlm, Tensor gate, List<MoeRouting> routing) {}

    private final EveConfig config;
    private final PretrainConfig pretrain;
    private final MultiwayTransformer backbone;
    private final MlmHead mlmHead;
    private final MimDecoder mimDecoder;

    public PretrainModel(EveConfig c, PretrainConfig p, Generator gen) {
        this.config = c;
        this.pretrain = p;
        int patch = c.patchSize();
        backbone = registerModule("backbone", new MultiwayTransformer(c, gen));
        mlmHead = registerModule("mlm_head", new MlmHead(c.hiddenSize(), c.vocabSize(), gen));
        mimDecoder = registerModule("mim_decoder", new MimDecoder(c.hiddenSize(), c.numVisionTokens() - 1, patch * patch * 3,
                p.decoderDepth(), p.decoderWidth(), p.decoderHeads(), c.initializerRange(), gen));
        if (gen != null) dev.eve.models.eve.EveInit.bertInit(mlmHead, c.initializerRange(), gen);
    }

    public EveConfig config() {
        return config;
    }

    public PretrainConfig pretrainConfig() {
        return pretrain;
    }

    public MultiwayTransformer backbone() {
        return backbone;
    }

    public MlmHead mlmHead() {
        return mlmHead;
    }

    public MimDecoder mimDecoder() {
        return mimDecoder;
    }

    /**
     * @param image  [B, 3, R, R] normalised images
     * @param mask   which patches the encoder sees
     * @param text   the masked text ids and the labels of the masked tokens
     * @param atts   [B, L] text attention mask
     */
    public Output forward(Tensor image, ImageMask mask, TextMask text, Tensor atts) {
        MultiwayTransformer.Embedded in = backbone.embedVisible(image, mask.idsKeep(), text.ids(), atts);
        MultiwayTransformer.Encoded enc = backbone.encode(in, dev.eve.models.eve.Mode.VL, false);
        Tensor hidden = backbone.norm().forward(enc.hidden());
        int visionTokens = in.visionTokens(), n = hidden.size(1);

        Tensor mim = mimLoss(image, mask, hidden.slice(1, 0, visionTokens));
        Tensor mlm = mlmLoss(hidden.slice(1, visionTokens, n), text.labels());
        Tensor gate = enc.auxLossMean();
        Tensor loss = mim.add(mlm);
        if (gate != null) loss = loss.add(gate.mul(config.gateLossWeight()));
        return new Output(loss, mim, mlm, gate, enc.routing());
    }

    /** Mean over masked patches of the per-patch mean squared error of the predicted pixels. */
    Tensor mimLoss(Tensor image, ImageMask mask, Tensor vision) {
        Tensor target = Patches.patchify(image, config.patchSize());
        if (pretrain.normPixelTarget()) target = Patches.normalized(target);
        Tensor pred = mimDecoder.forward(vision, mask.restore());
        Tensor perPatch = pred.sub(target.detach()).square().mean(-1, false);
        double count = mask.masked().sum().item();
        if (count == 0) return perPatch.sum().mul(0.0);
        return perPatch.mul(mask.masked()).sum().div(count);
    }

    /** Cross-entropy of the masked tokens only: their rows are gathered before the head runs. */
    Tensor mlmLoss(Tensor textHidden, Tensor labels) {
        int b = textHidden.size(0), l = textHidden.size(1), h = textHidden.size(2);
        long[] flat = labels.to(DType.I64).toLongArray();
        int count = 0;
        for (long v : flat) if (v != TextMask.IGNORE) count++;
        long[] rows = new long[count], targets = new long[count];
        for (int i = 0, k = 0; i < flat.length; i++) {
            if (flat[i] == TextMask.IGNORE) continue;
            rows[k] = i;
            targets[k++] = flat[i];
        }
        if (count == 0) return textHidden.sum().mul(0.0);
        Tensor picked = textHidden.reshape(b * l, h).indexSelect(0, Tensor.of(rows).to(textHidden.device()));
        return mlmHead.loss(picked, backbone.wordEmbeddingWeight(), Tensor.of(targets).to(textHidden.device()));
    }
}
