package dev.eve.models.text;

import java.util.List;

/**
 * A padded batch: Hugging Face's {@code input_ids}, {@code attention_mask} and {@code token_type_ids}, one
 * row per text, plus the per-text {@link Encoding}s they come from.
 */
public record BatchEncoding(List<Encoding> encodings) {

    public BatchEncoding {
        encodings = List.copyOf(encodings);
    }

    public int size() {
        return encodings.size();
    }

    public int[][] inputIds() {
        int[][] r = new int[encodings.size()][];
        for (int i = 0; i < r.length; i++) r[i] = encodings.get(i).ids().clone();
        return r;
    }

    public int[][] attentionMask() {
        int[][] r = new int[encodings.size()][];
        for (int i = 0; i < r.length; i++) r[i] = encodings.get(i).attentionMask().clone();
        return r;
    }

    public int[][] tokenTypeIds() {
        int[][] r = new int[encodings.size()][];
        for (int i = 0; i < r.length; i++) r[i] = encodings.get(i).typeIds().clone();
        return r;
    }
}
