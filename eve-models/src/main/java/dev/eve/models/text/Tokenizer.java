package dev.eve.models.text;

import dev.eve.core.backend.cpu.Parallel;

import java.util.Arrays;
import java.util.List;

/**
 * A tokenizer with the exact behaviour of the implementation its file came from: SentencePiece for
 * {@code .model} files, Hugging Face tokenizers for {@code tokenizer.json} and the older folder layouts.
 * Load one with {@link Tokenizers#load}. Implementations are immutable and thread-safe.
 */
public interface Tokenizer {

    /**
     * Encodes one text. {@code addSpecialTokens}: the special tokens of the tokenizer (Hugging Face's
     * post-processor, e.g. [CLS] ... [SEP]; BOS/EOS for a SentencePiece model). {@code maxLength > 0}
     * truncates to that many tokens, special tokens included (they are kept; content is cut on the right).
     */
    Encoding encode(String text, boolean addSpecialTokens, int maxLength);

    /** Encodes one text without truncation. */
    default Encoding encode(String text, boolean addSpecialTokens) {
        return encode(text, addSpecialTokens, 0);
    }

    /** The ids only; implementations skip pieces and offsets where that is faster. */
    default int[] encodeIds(String text, boolean addSpecialTokens) {
        return encode(text, addSpecialTokens).ids();
    }

    /** Decodes ids to text; {@code skipSpecialTokens} drops special tokens (control symbols, added specials). */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** Number of ids (the largest id plus one for Hugging Face tokenizers with added tokens). */
    int vocabSize();

    /** The piece (token string) of an id, or null when the id is unknown. */
    String idToPiece(int id);

    /** The id of a piece, or -1 when it is not in the vocabulary. */
    int pieceToId(String piece);

    /** The padding token, or null when the tokenizer has none. */
    String padToken();

    /** A one-line description (kind and file). */
    String describe();

    /** Encodes many texts, on all cores when the batch is large. */
    default List<Encoding> encodeBatch(List<String> texts, boolean addSpecialTokens) {
        Encoding[] out = new Encoding[texts.size()];
        Parallel.forRange(out.length, 32, (s, e) -> {
            for (int i = s; i < e; i++) out[i] = encode(texts.get(i), addSpecialTokens, 0);
        });
        return Arrays.asList(out);
    }

    /** The ids of many texts, on all cores when the batch is large. */
    default int[][] encodeBatchIds(List<String> texts, boolean addSpecialTokens) {
        int[][] out = new int[texts.size()][];
        Parallel.forRange(out.length, 64, (s, e) -> {
            for (int i = s; i < e; i++) out[i] = encodeIds(texts.get(i), addSpecialTokens);
        });
        return out;
    }

    /**
     * Hugging Face's {@code tokenizer(texts, padding=..., truncation=..., max_length=...)}: encodes on all
     * cores, truncates (special tokens kept) and pads with the pad token (attention mask 0).
     */
    default BatchEncoding encodeBatch(List<String> texts, BatchOptions options) {
        Encoding[] out = new Encoding[texts.size()];
        int max = options.truncation() ? options.maxLength() : 0;
        Parallel.forRange(out.length, 32, (s, e) -> {
            for (int i = s; i < e; i++) out[i] = encode(texts.get(i), options.addSpecialTokens(), max);
        });
        if (options.padding() != BatchOptions.Padding.NONE && out.length > 0) {
            String padToken = options.padToken() != null ? options.padToken() : padToken();
            if (padToken == null) {
                throw new TokenizerException("asking to pad but the tokenizer has no padding token ("
                        + describe() + "); set one with BatchOptions.withPadToken, e.g. the EOS token");
            }
            int padId = pieceToId(padToken);
            if (padId < 0) throw new TokenizerException("pad token \"" + padToken + "\" is not in the vocabulary of " + describe());
            int length = options.padding() == BatchOptions.Padding.MAX_LENGTH ? options.maxLength()
                    : Arrays.stream(out).mapToInt(Encoding::size).max().orElse(0);
            for (int i = 0; i < out.length; i++) out[i] = out[i].pad(length, padId, padToken, 0, options.padLeft());
        }
        return new BatchEncoding(Arrays.asList(out));
    }
}
