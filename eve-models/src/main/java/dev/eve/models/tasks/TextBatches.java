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

    /** {ids, mask}, both [B, L] I64. */
    public static Tensor[] encode(Tokenizer tokenizer, List<String> texts, int length) {
        BatchOptions options = BatchOptions.maxLength(length);
        if (tokenizer.padToken() == null) options = options.withPadToken(tokenizer.idToPiece(0));
        BatchEncoding enc = tokenizer.encodeBatch(texts, options);
        int[][] ids = enc.inputIds(), mask = enc.attentionMask();
        long[] i = new long[texts.size() * length], m = new long[texts.size() * length];
        for (int b = 0; b < ids.length; b++) {
            for (int t = 0; t < length; t++) {
                i[b * length + t] = ids[b][t];
                m[b * length + t] = mask[b][t];
            }
        }
        return new Tensor[] {Tensor.of(i, texts.size(), length), Tensor.of(m, texts.size(), length)};
    }
}
