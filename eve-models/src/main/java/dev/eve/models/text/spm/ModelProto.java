package dev.eve.models.text.spm;

import java.util.List;

/**
 * The parts of SentencePiece's {@code ModelProto} (sentencepiece_model.proto) that encoding and decoding
 * use, with the proto2 defaults. Piece strings are kept as raw bytes (proto2 strings are not checked for
 * UTF-8) plus a decoded form for output.
 */
public record ModelProto(List<Piece> pieces, TrainerSpec trainer, NormalizerSpec normalizer, NormalizerSpec denormalizer) {

    /** Piece types of {@code ModelProto.SentencePiece.Type}. */
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    /** Model types of {@code TrainerSpec.ModelType}. */
    public static final int UNIGRAM = 1, BPE = 2, WORD = 3, CHAR = 4;

    public record Piece(byte[] bytes, String text, float score, int type) {}

    public record TrainerSpec(int modelType, boolean treatWhitespaceAsSuffix, boolean allowWhitespaceOnlyPieces,
                              boolean splitDigits, boolean byteFallback, int unkId, int bosId, int eosId, int padId,
                              String unkPiece, String bosPiece, String eosPiece, String padPiece, String unkSurface) {

        public static TrainerSpec defaults() {
            return new TrainerSpec(UNIGRAM, false, false, false, false, 0, 1, 2, -1, "<unk>", "<s>", "</s>", "<pad>", null);
        }
    }

    /** {@code precompiledCharsmap} is null when the field is absent or empty. */
    public record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
                                 boolean removeExtraWhitespaces, boolean escapeWhitespaces) {

        public static NormalizerSpec defaults() {
            return new NormalizerSpec("", null, true, true, true);
        }
    }
}
