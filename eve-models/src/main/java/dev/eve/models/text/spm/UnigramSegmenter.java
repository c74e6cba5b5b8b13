package dev.eve.models.text.spm;

import dev.eve.models.text.TokenizerFormatException;
import dev.eve.models.text.util.ByteTrie;
import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.Utf8;

import java.nio.file.Path;

/**
 * SentencePiece unigram (unigram_model.cc, the default "optimized" encoder): Viterbi over all pieces that
 * start at each character, scored by the piece scores; a character that no piece covers becomes an unknown
 * node scored {@code min_score - 10}; user-defined symbols score {@code length * max_score - 0.1}. The
 * arithmetic keeps the C++ types: float path scores, piece candidates summed and compared in double.
 */
final class UnigramSegmenter implements Segmenter {

    private static final float UNK_PENALTY = 10.0f;

    private final SpmVocab vocab;
    private final ByteTrie trie;
    private final float maxScore;
    private final float unkScore;

    UnigramSegmenter(SpmVocab vocab, Path file) {
        this.vocab = vocab;
        float min = Float.MAX_VALUE, max = Float.MIN_NORMAL; // FLT_MAX, FLT_MIN as in the C++ code
        for (int i = 0; i < vocab.size; i++) {
            if (vocab.type[i] == ModelProto.NORMAL) {
                min = Math.min(min, vocab.score[i]);
                max = Math.max(max, vocab.score[i]);
            }
        }
        this.maxScore = max;
        this.unkScore = min - UNK_PENALTY;
        if (vocab.pieces.isEmpty()) throw TokenizerFormatException.of(file, "no pieces are loaded");
        byte[][] keys = new byte[vocab.pieces.size()][];
        int[] ids = new int[keys.length];
        int k = 0;
        for (var e : vocab.pieces.entrySet()) {
            keys[k] = vocab.bytes[e.getValue()];
            ids[k++] = e.getValue();
        }
        trie = ByteTrie.build(keys, ids);
    }

    @Override
    public void encode(byte[] t, int size, IntList out) {
        if (size == 0) return;
        float[] best = new float[size + 1];
        int[] startsAt = new int[size + 1];
        int[] id = new int[size + 1];
        java.util.Arrays.fill(startsAt, -1);
        int s = 0;
        while (s < size) {
            float till = best[s];
            boolean hasSingle = false;
            int mblen = Math.min(Utf8.oneCharLen(t[s]), size - s);
            int node = 0;
            for (int keyPos = s; keyPos < size; ) {
                node = trie.child(node, t[keyPos]);
                keyPos++;
                if (node < 0) break;
                int ret = trie.value(node);
                if (ret < 0) continue;
                if (vocab.isUnused(ret)) continue;
                int length = keyPos - s;
                // C++: `const auto score = user ? (length * max_score_ - 0.1) : GetScore(ret)` is a double either
                // way (the conditional's common type), so the sum and the comparison are in double precision
                // and only the stored path score is rounded to float.
                double score = vocab.isUserDefined(ret) ? (double) ((float) length * maxScore) - 0.1 : (double) vocab.score[ret];
                double cand = score + (double) till;
                if (startsAt[keyPos] == -1 || cand > (double) best[keyPos]) {
                    best[keyPos] = (float) cand;
                    startsAt[keyPos] = s;
                    id[keyPos] = ret;
                }
                if (!hasSingle && length == mblen) hasSingle = true;
            }
            if (!hasSingle) {
                int target = s + mblen;
                float cand = unkScore + till;
                if (startsAt[target] == -1 || cand > best[target]) {
                    best[target] = cand;
                    startsAt[target] = s;
                    id[target] = vocab.unkId;
                }
            }
            s += mblen;
        }
        // Backtrack, then emit in text order.
        IntList rev = new IntList();
        for (int e = size; e > 0; e = startsAt[e]) rev.add(e);
        for (int i = rev.size() - 1; i >= 0; i--) {
            int e = rev.get(i);
            out.add(startsAt[e], e, id[e]);
        }
    }
}
