package dev.eve.models.text.hf.models;

import dev.eve.models.text.TokenizerException;
import dev.eve.models.text.TokenizerFormatException;
import dev.eve.models.text.hf.core.Token;
import dev.eve.models.text.util.ByteTrie;
import dev.eve.models.text.util.Utf8;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's {@code Unigram} (the optimized Viterbi in double precision): every vocabulary entry
 * that starts at a character competes by score; a character no entry covers is an unknown node scored
 * {@code min_score - 10}; consecutive unknown nodes fuse into one token whose value is the text it covers
 * (with {@code byte_fallback}, into {@code <0xXX>} tokens when they all exist).
 */
public final class Unigram implements Model {

    private static final double UNK_PENALTY = 10.0;

    private final String[] pieces;
    private final double[] scores;
    private final Map<String, Integer> tokenToIds = new HashMap<>();
    private final ByteTrie trie;
    private final double minScore;
    private final Integer unkId;
    private final boolean byteFallback;

    public Unigram(List<String> pieces, List<Double> scoreList, Integer unkId, boolean byteFallback) {
        int n = pieces.size();
        if (unkId != null) {
            if (n == 0) throw new TokenizerFormatException("Unigram: the vocabulary is empty but at least <unk> is needed");
            if (unkId < 0 || unkId >= n) throw new TokenizerFormatException("Unigram: the `unk_id` is larger than vocabulary size");
        }
        this.pieces = pieces.toArray(String[]::new);
        this.scores = new double[n];
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        double min = Double.POSITIVE_INFINITY;
        byte[][] keys = new byte[n][];
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            scores[i] = scoreOf(scoreList, i);
            tokenToIds.put(this.pieces[i], i);
            keys[i] = Utf8.encode(this.pieces[i]);
            if (scores[i] < min) min = scores[i];
        }
        for (int i = 0; i < n; i++) ids[i] = tokenToIds.get(this.pieces[i]);
        this.minScore = min;
        this.trie = ByteTrie.build(keys, ids);
    }

    private static double scoreOf(List<Double> s, int i) {
        Double d = s.get(i);
        return d == null ? 0.0 : d;
    }

    /** The pieces of {@code s} as byte ranges (start, end, id-or-unk) after fusing unknowns. */
    private List<int[]> encode(byte[] s) {
        int size = s.length;
        double unkScore = minScore - UNK_PENALTY;
        double[] best = new double[size + 1];
        int[] startsAt = new int[size + 1];
        int[] id = new int[size + 1];
        java.util.Arrays.fill(startsAt, -1);
        int st = 0;
        while (st < size) {
            double till = best[st];
            boolean hasSingle = false;
            int mblen = Utf8.oneCharLen(s[st]);
            int node = 0;
            for (int k = st; k < size; ) {
                node = trie.child(node, s[k]);
                k++;
                if (node < 0) break;
                int tok = trie.value(node);
                if (tok < 0) continue;
                double cand = scores[tok] + till;
                if (startsAt[k] == -1 || cand > best[k]) {
                    best[k] = cand;
                    startsAt[k] = st;
                    id[k] = tok;
                }
                if (!hasSingle && k - st == mblen) hasSingle = true;
            }
            if (!hasSingle) {
                int target = Math.min(size, st + mblen);
                double cand = unkScore + till;
                if (startsAt[target] == -1 || cand > best[target]) {
                    if (unkId == null) throw new TokenizerException("Encountered an unknown token but `unk_id` is missing");
                    best[target] = cand;
                    startsAt[target] = st;
                    id[target] = unkId;
                }
            }
            st += mblen;
        }
        List<int[]> rev = new ArrayList<>();
        int tokenEnd = -1, tokenStart = -1;
        for (int e = size; e > 0; ) {
            int b = startsAt[e];
            if (unkId != null && id[e] == unkId) {
                if (tokenEnd < 0) tokenEnd = e;
                tokenStart = b;
            } else {
                if (tokenEnd >= 0) {
                    rev.add(new int[] {tokenStart, tokenEnd, -1});
                    tokenEnd = -1;
                }
                rev.add(new int[] {b, e, id[e]});
            }
            e = b;
        }
        if (tokenEnd >= 0) rev.add(new int[] {tokenStart, tokenEnd, -1});
        java.util.Collections.reverse(rev);
        return rev;
    }

    @Override
    public List<Token> tokenize(String sentence) {
        if (sentence.isEmpty()) return List.of();
        byte[] s = Utf8.encode(sentence);
        ByteOffsets bo = new ByteOffsets(sentence);
        List<Token> out = new ArrayList<>();
        for (int[] p : encode(s)) {
            String str = Utf8.decodeLossy(s, p[0], p[1] - p[0]);
            int start = bo.start(p[0]), end = bo.end(p[1]);
            Integer known = tokenToIds.get(str);
            if (known != null) {
                out.add(new Token(known, str, start, end));
                continue;
            }
            if (byteFallback) {
                List<Token> bytes = new ArrayList<>();
                boolean all = true;
                for (int k = p[0]; k < p[1] && all; k++) {
                    String bs = String.format("<0x%02X>", s[k] & 0xFF);
                    Integer bid = tokenToIds.get(bs);
                    if (bid == null) all = false;
                    else bytes.add(new Token(bid, bs, start, end));
                }
                if (all) {
                    out.addAll(bytes);
                    continue;
                }
            }
            if (unkId == null) throw new TokenizerException("Encountered an unknown token but `unk_id` is missing");
            out.add(new Token(unkId, str, start, end));
        }
        return out;
    }

    @Override
    public int tokenToId(String token) {
        Integer id = tokenToIds.get(token);
        return id == null ? -1 : id;
    }

    @Override
    public String idToToken(int id) {
        return id >= 0 && id < pieces.length ? pieces[id] : null;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }
}
