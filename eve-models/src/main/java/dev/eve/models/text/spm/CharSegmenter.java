package dev.eve.models.text.spm;

import dev.eve.models.text.util.IntList;

/** SentencePiece's character model: one piece per character (user-defined symbols stay whole). */
final class CharSegmenter implements Segmenter {

    private final SpmVocab vocab;

    CharSegmenter(SpmVocab vocab) {
        this.vocab = vocab;
    }

    @Override
    public void encode(byte[] t, int size, IntList out) {
        int i = 0;
        while (i < size) {
            int m = vocab.prefixMatch(t, i, size);
            int len = Math.abs(m);
            out.add(i, i + len, vocab.pieceToId(t, i, i + len));
            i += len;
        }
    }
}
