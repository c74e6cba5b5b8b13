package dev.eve.models.eve.heads;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.nn.F;
import dev.eve.core.nn.Init;
import dev.eve.core.nn.Linear;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.eve.EveInit;
import dev.eve.models.eve.Mode;
import dev.eve.models.eve.MultiwayTransformer;

/**
 * Image-text retrieval ({@code model_retrieval_beit.BEiT}): contrastive projection heads with a
 * learned temperature and an image-text matching head on the text-CLS token of the joint sequence.
 */
public final class RetrievalModel extends Module {

    private final EveConfig config;
    private final MultiwayTransformer backbone;
    private final Linear itcVisionProj, itcTextProj, itmHead;

    public RetrievalModel(EveConfig c, Generator gen) {
        this.config = c;
        backbone = registerModule("backbone", new MultiwayTransformer(c, gen));
        registerParameter("itc_temp", Tensor.scalar(0.07));
        if (c.itcType().contains("fusion")) {
            itcVisionProj = registerModule("itc_vision_proj_head", new Linear(c.hiddenSize(), c.itcProjDim(), false, gen));
            itcTextProj = registerModule("itc_text_proj_head", new Linear(c.hiddenSize(), c.itcProjDim(), false, gen));
        } else {
            itcVisionProj = itcTextProj = null;
        }
        if (c.itcType().contains("vl")) {
            registerModule("itc_vl_vision_proj_head", new Linear(c.hiddenSize(), c.itcProjDim(), false, gen));
            registerModule("itc_vl_text_proj_head", new Linear(c.hiddenSize(), c.itcProjDim(), false, gen));
        }
        itmHead = registerModule("itm_head", new Linear(c.hiddenSize(), 2, true, gen));
        for (String head : new String[] {"itc_vision_proj_head", "itc_text_proj_head", "itc_vl_vision_proj_head", "itc_vl_text_proj_head", "itm_head"})
            if (child(head) != null) EveInit.bertInit(child(head), c.initializerRange(), gen);
    }

    public MultiwayTransformer backbone() {
        return backbone;
    }

    public EveConfig config() {
        return config;
    }

    private Linear projection(Mode mode) {
        if (itcVisionProj == null) throw new IllegalStateException("itc_type has no 'fusion' projection heads");
        return mode == Mode.VISION ? itcVisionProj : itcTextProj;
    }

    /**
     * The original's {@code forward_eval}: the CLS of the encoder output WITHOUT the final norm,
     * projected and L2-normalised (what Retrieval.py ranks with).
     */
    public Tensor embedForEval(Tensor image, Tensor ids, Tensor atts, Mode mode) {
        var enc = backbone.encode(backbone.embed(image, ids, atts, mode), mode, false);
        return F.normalize(projection(mode).forward(enc.hidden().select(1, 0)), -1);
    }

    /** The training path ({@code forward_itc}): final norm, CLS, projection, L2 norm. */
    public Tensor embedForItc(Tensor image, Tensor ids, Tensor atts, Mode mode) {
        Tensor out = backbone.forward(image, ids, atts, mode);
        return F.normalize(projection(mode).forward(out.select(1, 0)), -1);
    }

    /** Contrastive logits image x text divided by the temperature (clamped to [0.001, 0.5] in place first). */
    public Tensor itcLogits(Tensor visionNorm, Tensor textNorm) {
        clampTemperature();
        return visionNorm.matmul(textNorm.t()).div(parameter("itc_temp"));
    }

    /** {@code itc_temp.clamp_(0.001, 0.5)} as the original's forward does. */
    public void clampTemperature() {
        try (var ignored = NoGrad.enter()) {
            Tensor t = parameter("itc_temp");
            t.assign(t.clamp(0.001, 0.5));
        }
    }

    /** ITM logits [B, 2] from a joint (vl) backbone output: the text-CLS token at index Nv. */
    public Tensor itmLogits(Tensor vlOut) {
        return itmHead.forward(vlOut.select(1, config.numVisionTokens()));
    }

    /**
     * The original's {@code cal_itc_loss}: soft-label cross-entropy image->text and text->image,
     * averaged. With {@code labels} null the original multiplies the log-probabilities by the vector
     * {@code arange(B)} (not by the identity), which weights column j by j; that is reproduced here
     * so outputs match. Training always passes the image-id soft labels.
     */
    public static Tensor itcLoss(Tensor logits, Tensor labels) {
        Tensor target = labels != null ? labels : Tensor.arange(logits.size(0)).to(logits.dtype()).to(logits.device());
        Tensor i2t = logits.logSoftmax(1).mul(target).sum(1).neg().mean();
        Tensor t2i = logits.t().logSoftmax(1).mul(target).sum(1).neg().mean();
        return i2t.add(t2i).div(2);
    }

    /** For tests: reset of the temperature to the original's 0.07. */
    void resetTemperature() {
        Init.constant(parameter("itc_temp"), 0.07);
    }
}
