package dev.eve.models.text;

/**
 * How a batch is padded and truncated, the knobs of Hugging Face's
 * {@code tokenizer(texts, padding=..., truncation=..., max_length=...)}.
 *
 * @param padding        NONE, LONGEST (to the longest in the batch) or MAX_LENGTH (to {@code maxLength})
 * @param truncation     cut every sequence to {@code maxLength} tokens, special tokens included
 * @param maxLength      the length for MAX_LENGTH padding and for truncation
 * @param addSpecialTokens add the tokenizer's special tokens ([CLS]/[SEP], BOS/EOS, ...)
 * @param padToken       the pad token to use, or null for the tokenizer's own
 * @param padLeft        pad on the left instead of the right
 */
public record BatchOptions(Padding padding, boolean truncation, int maxLength, boolean addSpecialTokens,
                           String padToken, boolean padLeft) {

    public enum Padding { NONE, LONGEST, MAX_LENGTH }

    public BatchOptions {
        if (padding == null) throw new IllegalArgumentException("padding must not be null");
        if ((truncation || padding == Padding.MAX_LENGTH) && maxLength <= 0)
            throw new IllegalArgumentException("max_length must be positive for truncation or max_length padding, got " + maxLength);
    }

    /** EVE's call: {@code tokenizer(texts, padding='max_length', truncation=True, max_length=n)}. */
    public static BatchOptions maxLength(int n) {
        return new BatchOptions(Padding.MAX_LENGTH, true, n, true, null, false);
    }

    public BatchOptions withPadToken(String token) {
        return new BatchOptions(padding, truncation, maxLength, addSpecialTokens, token, padLeft);
    }

    public BatchOptions withAddSpecialTokens(boolean add) {
        return new BatchOptions(padding, truncation, maxLength, add, padToken, padLeft);
    }
}
