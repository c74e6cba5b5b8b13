package dev.eve.models.tasks;

import dev.eve.core.tensor.Tensor;
import dev.eve.models.text.BatchEncoding;
import dev.eve.models.text.BatchOptions;
import dev.eve.models.text.Tokenizer;

import java.util.List;

/**
 * EVE's tokenizer call {@code tokenizer(texts, padding='max_length', truncation=True, max_length=L)}
 * as id and mask tensors [B, L] (I64). A tokenizer without a pad token pads with the piece of id 0
 * (EVE's 64k BPE tokenizer has none; its id 0 is {@code <unk>}), so only the mask tells padding
 * from an unknown token.
 */
public final class TextBatches {

    private TextBatches() {}

    /** A padded batch as flat row-major arrays of B x L: ids, attention mask and special-tokens mask. */
    public record Arrays(long[] ids, long[] mask, int[] special, int batch, int length) {
        public Tensor idsTensor() {
            return Tensor.of(ids, batch, length);
        }

        public Tensor maskTensor() {
            return Tensor.of(mask, batch, length);
        }
    }

    /** {ids, mask}, both [B, L] I64. */
    public static Tensor[] encode(Tokenizer tokenizer, List<String> texts, int length) {
        Arrays a = encodeArrays(tokenizer, texts, length);
        return new Tensor[] {a.idsTensor(), a.maskTensor()};
    }

    /** The batch as arrays, with the special-tokens mask (padding counts as special). */
    public static Arrays encodeArrays(Tokenizer tokenizer, List<String> texts, int length) {
        BatchOptions options = BatchOptions.maxLength(length);
        if (tokenizer.padToken() == null) options = options.withPadToken(tokenizer.idToPiece(0));
        BatchEncoding enc = tokenizer.encodeBatch(texts, options);
        long[] i = new long[texts.size() * length], m = new long[texts.size() * length];
        int[] special = new int[texts.size() * length];
        for (int b = 0; b < texts.size(); b++) {
            var e = enc.encodings().get(b);
            int[] ids = e.ids(), mask = e.attentionMask(), sp = e.specialTokensMask();
            for (int t = 0; t < length; t++) {
                i[b * length + t] = ids[t];
                m[b * length + t] = mask[t];
                special[b * length + t] = sp[t] != 0 || mask[t] == 0 ? 1 : 0;
            }
        }
        return new Arrays(i, m, special, texts.size(), length);
    }
}
