package dev.eve.models.text.spm;

import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.Utf8;

/** SentencePiece's word model: each whitespace-led word (SplitIntoWords) is looked up whole. */
final class WordSegmenter implements Segmenter {

    private final SpmVocab vocab;

    WordSegmenter(SpmVocab vocab) {
        this.vocab = vocab;
    }

    private static boolean isSpaceSymbol(byte[] t, int i, int len) {
        return len == 3 && t[i] == (byte) 0xE2 && t[i + 1] == (byte) 0x96 && t[i + 2] == (byte) 0x81;
    }

    @Override
    public void encode(byte[] t, int size, IntList out) {
        int wordStart = -1;
        boolean inWs = false;
        int i = 0;
        while (i < size) {
            int mblen = Math.min(Utf8.oneCharLen(t[i]), size - i);
            boolean isWs = isSpaceSymbol(t, i, mblen);
            if (i == 0 || (isWs && !inWs) || isWs) {
                // SplitIntoWords(text, false, false): every whitespace symbol starts a new word.
                if (wordStart >= 0) out.add(wordStart, i, vocab.pieceToId(t, wordStart, i));
                wordStart = i;
                inWs = true;
            }
            if (inWs && !isWs) inWs = false;
            i += mblen;
        }
        if (wordStart >= 0) out.add(wordStart, size, vocab.pieceToId(t, wordStart, size));
    }
}
