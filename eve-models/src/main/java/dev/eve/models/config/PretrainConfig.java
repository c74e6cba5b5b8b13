package dev.eve.models.config;

/**
 * Settings of masked-signal-modeling pre-training (task YAML keys in parentheses).
 *
 * <p>Defaults: 75% of the image patches are masked (MAE's ratio: images are redundant, and the
 * encoder then runs on a quarter of the patches, which is most of the speed-up) and 50% of the text
 * tokens (text is dense in meaning, so BERT's 15% gives too little signal per pair when the image
 * also carries the caption's content; M3AE found 50% best for joint image-text masking). Masked
 * tokens become the mask token, with BERT's 80/10/10 replacement as an option: with half the
 * tokens masked the model sees plenty of unmasked context already.
 *
 * @param imageMaskRatio   fraction of patches hidden from the encoder ({@code mask_ratio_image}, 0.75)
 * @param textMaskRatio    fraction of maskable text tokens predicted ({@code mask_ratio_text}, 0.5)
 * @param randomReplace    BERT's 80/10/10 replacement instead of always the mask token ({@code mlm_random_replace}, false)
 * @param maskToken        the mask token's piece ({@code mask_token}; default: the first of [MASK], &lt;mask&gt; in the vocabulary)
 * @param decoderDepth     transformer blocks of the pixel decoder ({@code mim_decoder_depth}, 4)
 * @param decoderWidth     width of the pixel decoder ({@code mim_decoder_width}, 512)
 * @param decoderHeads     attention heads of the pixel decoder ({@code mim_decoder_heads}, width / 64)
 * @param normPixelTarget  per-patch normalised pixels as the target ({@code norm_pix_loss}, true)
 */
public record PretrainConfig(double imageMaskRatio, double textMaskRatio, boolean randomReplace, String maskToken,
                             int decoderDepth, int decoderWidth, int decoderHeads, boolean normPixelTarget) {

    public PretrainConfig {
        if (!(imageMaskRatio >= 0 && imageMaskRatio < 1))
            throw new ConfigException("mask_ratio_image must be in [0, 1), got " + imageMaskRatio);
        if (!(textMaskRatio > 0 && textMaskRatio <= 1))
            throw new ConfigException("mask_ratio_text must be in (0, 1], got " + textMaskRatio);
        if (decoderDepth < 0) throw new ConfigException("mim_decoder_depth must be >= 0, got " + decoderDepth);
        if (decoderWidth < 1 || decoderHeads < 1 || decoderWidth % decoderHeads != 0)
            throw new ConfigException("mim_decoder_width (" + decoderWidth + ") must be a positive multiple of mim_decoder_heads (" + decoderHeads + ")");
    }

    public static PretrainConfig defaults() {
        return new PretrainConfig(0.75, 0.5, false, null, 4, 512, 8, true);
    }

    /** The pre-training keys of a task config, defaults for the missing ones. */
    public static PretrainConfig from(TaskConfig cfg) {
        PretrainConfig d = defaults();
        int width = cfg.integer("mim_decoder_width", d.decoderWidth());
        double imageRatio = cfg.number("mask_ratio_image", d.imageMaskRatio()), textRatio = cfg.number("mask_ratio_text", d.textMaskRatio());
        boolean randomReplace = cfg.bool("mlm_random_replace", d.randomReplace());
        String maskToken = cfg.string("mask_token", null);
        int depth = cfg.integer("mim_decoder_depth", d.decoderDepth()), heads = cfg.integer("mim_decoder_heads", Math.max(1, width / 64));
        boolean normPix = cfg.bool("norm_pix_loss", d.normPixelTarget());
        try {
            return new PretrainConfig(imageRatio, textRatio, randomReplace, maskToken, depth, width, heads, normPix);
        } catch (ConfigException e) {
            throw new ConfigException(cfg.source() + ": " + e.getMessage(), e);
        }
    }

    public PretrainConfig withDecoder(int depth, int width, int heads) {
        return new PretrainConfig(imageMaskRatio, textMaskRatio, randomReplace, maskToken, depth, width, heads, normPixelTarget);
    }

    public PretrainConfig withMaskRatios(double image, double text) {
        return new PretrainConfig(image, text, randomReplace, maskToken, decoderDepth, decoderWidth, decoderHeads, normPixelTarget);
    }
}
