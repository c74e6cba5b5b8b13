package dev.eve.models.text.spm;

import dev.eve.models.text.util.IntList;

/** One SentencePiece model type: splits normalized UTF-8 into (start, end, id) triples. */
interface Segmenter {

    /** Appends (start, end, id) for each piece of {@code text[0, length)} to {@code out}. */
    void encode(byte[] text, int length, IntList out);
}
