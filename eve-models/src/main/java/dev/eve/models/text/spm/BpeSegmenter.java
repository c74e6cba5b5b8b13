package dev.eve.models.text.spm;

import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.Utf8;

import java.util.HashMap;
import java.util.Map;

/**
 * SentencePiece BPE (bpe_model.cc): start from characters (user-defined symbols are single frozen symbols),
 * repeatedly merge the adjacent pair whose concatenation is the highest-scoring piece (leftmost on ties),
 * then split unused pieces back along the merge that produced them.
 *
 * <p>Symbols are identified by keys instead of strings: the id of a normal/user-defined/unused piece, or an
 * extra key for a single character that is not a piece but is one half of some piece. Every split of every
 * piece into two symbols is precomputed into a pair table, so "is left + right a piece" is one hash lookup.
 */
final class BpeSegmenter implements Segmenter {

    private final SpmVocab vocab;
    /** Key of a single character (code point), when it has one. */
    private final Map<Integer, Integer> charKeys = new HashMap<>();
    /** Keys of the Basic Multilingual Plane's characters (-1: none); others are in {@link #charKeys}. */
    private final int[] bmpKeys = new int[0x10000];
    /** PieceToId of each extra key's single-character string (reserved piece or unk). */
    private final int[] extraId;
    /** PieceToId of each normal piece's string (a reserved piece with the same string wins). */
    private final int[] outId;
    private final LongIntMap pairs;
    private final boolean hasUnused;

    BpeSegmenter(SpmVocab vocab) {
        this.vocab = vocab;
        java.util.Arrays.fill(bmpKeys, -1);
        int n = vocab.size;
        outId = new int[n];
        boolean unused = false;
        for (int i = 0; i < n; i++) {
            Integer r = vocab.reserved.get(SpmVocab.key(vocab.bytes[i], 0, vocab.bytes[i].length));
            outId[i] = r != null ? r : i;
            if (vocab.isUnused(i)) unused = true;
        }
        hasUnused = unused;
        // Single-character normal pieces.
        for (var e : vocab.pieces.entrySet()) {
            byte[] b = vocab.bytes[e.getValue()];
            if (b.length == Utf8.oneCharLen(b[0]) && Utf8.spmValidLength(b, 0, b.length) == b.length) {
                charKeys.put(Utf8.codePointAt(b, 0), e.getValue());
            }
        }
        // Pair table over all splits of all pieces.
        pairs = new LongIntMap(Math.max(16, n * 4));
        IntList extraLen = new IntList();
        IntList extraIds = new IntList();
        for (var e : vocab.pieces.entrySet()) {
            int id = e.getValue();
            byte[] b = vocab.bytes[id];
            if (!isValidUtf8(b)) continue;
            for (int cut = Utf8.oneCharLen(b[0]); cut < b.length; cut += Utf8.oneCharLen(b[cut])) {
                int left = symbolKey(b, 0, cut, extraLen, extraIds);
                if (left < 0) continue;
                int right = symbolKey(b, cut, b.length, extraLen, extraIds);
                if (right < 0) continue;
                pairs.put(pack(left, right), id);
            }
        }
        extraId = extraIds.toArray();
        for (var e : charKeys.entrySet()) if (e.getKey() < 0x10000) bmpKeys[e.getKey()] = e.getValue();
    }

    private static boolean isValidUtf8(byte[] b) {
        for (int i = 0; i < b.length; ) {
            int v = Utf8.spmValidLength(b, i, b.length);
            if (v < 0) return false;
            i += v;
        }
        return true;
    }

    /** The key of the symbol string {@code b[from, to)}, allocating an extra key for a non-piece character. */
    private int symbolKey(byte[] b, int from, int to, IntList extraLen, IntList extraIds) {
        int id = vocab.normalPieceId(b, from, to);
        if (id >= 0) return id;
        if (to - from != Utf8.oneCharLen(b[from])) return -1;
        int cp = Utf8.codePointAt(b, from);
        Integer k = charKeys.get(cp);
        if (k != null) return k;
        int key = vocab.size + extraLen.size();
        extraLen.add(to - from);
        Integer reserved = vocab.reserved.get(SpmVocab.key(b, from, to));
        extraIds.add(reserved != null ? reserved : vocab.unkId);
        charKeys.put(cp, key);
        return key;
    }

    private static long pack(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private int charKey(byte[] t, int pos) {
        int c = t[pos];
        if (c >= 0) return bmpKeys[c];
        int cp = Utf8.codePointAt(t, pos);
        if (cp < 0x10000) return bmpKeys[cp];
        Integer k = charKeys.get(cp);
        return k == null ? -1 : k;
    }

    /** Per-call working state (symbols as a linked list over the normalized text, and the agenda heap). */
    private static final class Work {
        int[] start, end, key, prev, next;
        boolean[] freeze;
        // agenda entries
        float[] eScore = new float[64];
        int[] eLeft = new int[64], eRight = new int[64], eSize = new int[64], eMerged = new int[64];
        int entries;
        int heapSize;
        Map<Integer, long[]> revMerge;

        void ensureSymbols(int n) {
            if (start == null || start.length < n) {
                int c = Math.max(n, 64);
                start = new int[c];
                end = new int[c];
                key = new int[c];
                prev = new int[c];
                next = new int[c];
                freeze = new boolean[c];
            }
            entries = 0;
            heapSize = 0;
            if (revMerge != null) revMerge.clear();
        }

        int newEntry() {
            if (entries == eScore.length) {
                int c = entries * 2;
                eScore = java.util.Arrays.copyOf(eScore, c);
                eLeft = java.util.Arrays.copyOf(eLeft, c);
                eRight = java.util.Arrays.copyOf(eRight, c);
                eSize = java.util.Arrays.copyOf(eSize, c);
                eMerged = java.util.Arrays.copyOf(eMerged, c);
            }
            return entries++;
        }

        /**
         * The agenda as a min-heap of 64-bit keys: higher score first (the float's order-preserving bits,
         * inverted, in the high word), then smaller left index (low word), as the C++ comparator orders pairs.
         */
        long[] hkey = new long[64];
        int[] hid = new int[64];

        static long key(float score, int left) {
            int bits = Float.floatToRawIntBits(score + 0.0f); // -0.0 and 0.0 compare equal in C++
            int sortable = bits ^ ((bits >> 31) & 0x7FFFFFFF);
            long inv = 0x7FFFFFFFL - sortable; // in [0, 2^32): smaller = higher score
            return (inv << 32) | left;
        }

        void push(int e) {
            if (heapSize == hkey.length) {
                hkey = java.util.Arrays.copyOf(hkey, heapSize * 2);
                hid = java.util.Arrays.copyOf(hid, heapSize * 2);
            }
            long k = key(eScore[e], eLeft[e]);
            int i = heapSize++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (Long.compareUnsigned(hkey[parent], k) <= 0) break;
                hkey[i] = hkey[parent];
                hid[i] = hid[parent];
                i = parent;
            }
            hkey[i] = k;
            hid[i] = e;
        }

        int pop() {
            int top = hid[0];
            int n = --heapSize;
            long k = hkey[n];
            int id = hid[n];
            int i = 0;
            int half = n >>> 1;
            while (i < half) {
                int c = 2 * i + 1;
                int r = c + 1;
                if (r < n && Long.compareUnsigned(hkey[r], hkey[c]) < 0) c = r;
                if (Long.compareUnsigned(hkey[c], k) >= 0) break;
                hkey[i] = hkey[c];
                hid[i] = hid[c];
                i = c;
            }
            if (n > 0) {
                hkey[i] = k;
                hid[i] = id;
            }
            return top;
        }
    }

    private static final ThreadLocal<Work> WORK = ThreadLocal.withInitial(Work::new);

    private void maybeAdd(Work w, int left, int right) {
        if (left < 0 || right < 0 || w.freeze[left] || w.freeze[right]) return;
        int kl = w.key[left], kr = w.key[right];
        if (kl < 0 || kr < 0) return;
        int merged = pairs.get(pack(kl, kr));
        if (merged < 0) return;
        int e = w.newEntry();
        w.eScore[e] = vocab.score[merged];
        w.eLeft[e] = left;
        w.eRight[e] = right;
        w.eSize[e] = (w.end[right] - w.start[right]) + (w.end[left] - w.start[left]);
        w.eMerged[e] = merged;
        w.push(e);
        if (hasUnused && vocab.isUnused(merged)) {
            if (w.revMerge == null) w.revMerge = new HashMap<>();
            w.revMerge.put(merged, new long[] {kl, kr, w.end[left] - w.start[left]});
        }
    }

    @Override
    public void encode(byte[] t, int length, IntList out) {
        if (length == 0) return;
        Work w = WORK.get();
        w.ensureSymbols(length);
        int n = 0;
        int pos = 0;
        while (pos < length) {
            int m = vocab.prefixMatch(t, pos, length);
            boolean frozen = m > 0;
            int len = frozen ? m : -m;
            w.start[n] = pos;
            w.end[n] = pos + len;
            w.freeze[n] = frozen;
            w.key[n] = frozen ? vocab.normalPieceId(t, pos, pos + len) : (len == Utf8.oneCharLen(t[pos]) ? charKey(t, pos) : -1);
            w.prev[n] = n - 1;
            pos += len;
            w.next[n] = pos < length ? n + 1 : -1;
            n++;
        }
        for (int i = 1; i < n; i++) maybeAdd(w, i - 1, i);

        while (w.heapSize > 0) {
            int top = w.pop();
            int l = w.eLeft[top], r = w.eRight[top];
            int lsize = w.end[l] - w.start[l], rsize = w.end[r] - w.start[r];
            if (lsize == 0 || rsize == 0 || lsize + rsize != w.eSize[top]) continue;
            // merge r into l
            w.end[l] = w.end[r];
            w.key[l] = w.eMerged[top];
            w.next[l] = w.next[r];
            if (w.next[r] >= 0) w.prev[w.next[r]] = l;
            w.end[r] = w.start[r]; // empty
            maybeAdd(w, w.prev[l], l);
            maybeAdd(w, l, w.next[l]);
        }
        for (int i = 0; i != -1; i = w.next[i]) {
            resegment(w, t, w.key[i], w.start[i], w.end[i], out);
        }
    }

    private void resegment(Work w, byte[] t, int key, int start, int end, IntList out) {
        if (key < 0) {
            // A character that is no symbol of the model: PieceToId of its string.
            out.add(start, end, vocab.pieceToId(t, start, end));
            return;
        }
        if (key >= vocab.size) {
            out.add(start, end, extraId[key - vocab.size]);
            return;
        }
        int id = outId[key];
        if (!vocab.isUnused(id)) {
            out.add(start, end, id);
            return;
        }
        long[] rev = w.revMerge == null ? null : w.revMerge.get(id);
        if (rev == null) {
            out.add(start, end, id);
            return;
        }
        int leftLen = (int) rev[2];
        resegment(w, t, (int) rev[0], start, start + leftLen, out);
        resegment(w, t, (int) rev[1], start + leftLen, end, out);
    }
}
