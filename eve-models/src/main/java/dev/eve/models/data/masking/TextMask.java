package dev.eve.models.data.masking;

import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;

/**
 * Masked-language-model inputs: which text tokens are hidden and what replaces them. Only real,
 * non-special tokens can be masked — never the first token (CLS/BOS), special tokens or padding.
 * A text with m maskable tokens masks exactly {@code clamp(round(ratio x m), 1, m)} of them
 * (none when m = 0). Each chosen token becomes the mask token, or with {@code randomReplace} BERT's
 * 80 / 10 / 10 mix of mask token / random token / unchanged.
 *
 * @param ids    [B, L] I64: the input ids with the replacements applied
 * @param labels [B, L] I64: the original id at masked positions, {@link #IGNORE} elsewhere
 */
public record TextMask(Tensor ids, Tensor labels) {

    /** Label of positions that are not predicted (PyTorch's cross-entropy ignore_index default). */
    public static final long IGNORE = -100;

    /** The mask with its tensors on {@code device} (itself when they are there already). */
    public TextMask to(Device device) {
        return ids.device().equals(device) ? this : new TextMask(ids.to(device), labels.to(device));
    }

    /** Tokens masked out of {@code maskable} at {@code ratio} in (0, 1]. */
    public static int maskedCount(int maskable, double ratio) {
        if (!(ratio > 0 && ratio <= 1)) throw new IllegalArgumentException("text mask ratio must be in (0, 1], got " + ratio);
        if (maskable == 0) return 0;
        return Math.max(1, Math.min(maskable, (int) Math.round(ratio * maskable)));
    }

    /**
     * @param ids      [B * L] token ids, row-major
     * @param atts     [B * L] attention mask (1 = real token)
     * @param special  [B * L] 1 for special tokens (the tokenizer's special-tokens mask)
     * @param maskId   the mask token's id
     * @param vocab    vocabulary size (random replacements are drawn from [0, vocab))
     * @param seeds    one seed per text
     */
    public static TextMask apply(long[] ids, long[] atts, int[] special, int length, double ratio, int maskId,
                                 boolean randomReplace, int vocab, long[] seeds) {
        int b = seeds.length;
        if (ids.length != b * length || atts.length != ids.length || special.length != ids.length)
            throw new IllegalArgumentException("text mask: " + b + " texts of " + length + " tokens need arrays of " + b * length);
        if (maskId < 0 || maskId >= vocab) throw new IllegalArgumentException("mask token id " + maskId + " is outside the vocabulary of " + vocab);
        long[] out = ids.clone(), labels = new long[ids.length];
        java.util.Arrays.fill(labels, IGNORE);
        int[] candidates = new int[length];
        for (int i = 0; i < b; i++) {
            int m = 0;
            for (int t = 1; t < length; t++) {
                int at = i * length + t;
                if (atts[at] != 0 && special[at] == 0) candidates[m++] = t;
            }
            int count = maskedCount(m, ratio);
            Generator g = new Generator(seeds[i]);
            for (int c = 0; c < count; c++) {                  // partial Fisher-Yates over the candidates
                int j = c + g.nextInt(m - c);
                int t = candidates[c];
                candidates[c] = candidates[j];
                candidates[j] = t;
                int at = i * length + candidates[c];
                labels[at] = ids[at];
                if (!randomReplace) {
                    out[at] = maskId;
                } else {
                    double u = g.nextDouble();
                    if (u < 0.8) out[at] = maskId;
                    else if (u < 0.9) out[at] = g.nextInt(vocab);
                }
            }
        }
        return new TextMask(Tensor.of(out, b, length), Tensor.of(labels, b, length));
    }
}
