package dev.eve.models.text.hf.models;

import dev.eve.models.text.TokenizerException;
import dev.eve.models.text.TokenizerFormatException;
import dev.eve.models.text.hf.core.Token;
import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.Utf8;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hugging Face's {@code BPE}: characters (with {@code continuing_subword_prefix} on all but the first and
 * {@code end_of_word_suffix} on the last) are merged by rank, lowest first (leftmost on ties), until no
 * ranked pair is left. Characters outside the vocabulary become {@code <0xXX>} byte tokens with
 * {@code byte_fallback}, else the unknown token ({@code fuse_unk} joins a run of them into one).
 */
public final class Bpe extends VocabModel {

    private static final int CACHE_CAPACITY = 10_000;
    private static final int CACHE_MAX_WORD_BYTES = 256;

    /** (left id, right id) -> rank << 32 | new id. */
    private final Map<Long, Long> merges;
    private final String unkToken, prefix, suffix;
    private final boolean fuseUnk, byteFallback, ignoreMerges;
    private final float dropout;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param merges the merge pairs in rank order; the merged token must be in the vocabulary (with the
     *               continuing prefix's length cut from the right part, as Rust does)
     */
    public Bpe(Map<String, Integer> vocab, List<String[]> merges, String unkToken, String continuingSubwordPrefix,
               String endOfWordSuffix, boolean fuseUnk, boolean byteFallback, boolean ignoreMerges, Float dropout) {
        super(vocab);
        this.unkToken = unkToken;
        this.prefix = continuingSubwordPrefix;
        this.suffix = endOfWordSuffix;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        if (dropout != null && (dropout < 0f || dropout > 1f)) throw new TokenizerFormatException("BPE dropout should be between 0 and 1, inclusive");
        this.dropout = dropout == null ? 0f : dropout;
        int prefixLen = prefix == null ? 0 : Utf8.length(prefix);
        this.merges = new HashMap<>(merges.size() * 2);
        for (int rank = 0; rank < merges.size(); rank++) {
            String a = merges.get(rank)[0], b = merges.get(rank)[1];
            Integer ai = vocab.get(a), bi = vocab.get(b);
            if (ai == null) throw new TokenizerFormatException("BPE merges: token `" + a + "` out of vocabulary");
            if (bi == null) throw new TokenizerFormatException("BPE merges: token `" + b + "` out of vocabulary");
            byte[] bb = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (prefixLen > bb.length) throw new TokenizerFormatException("BPE merges: token `" + b + "` is shorter than the continuing prefix");
            String merged = a + new String(bb, prefixLen, bb.length - prefixLen, java.nio.charset.StandardCharsets.UTF_8);
            Integer mi = vocab.get(merged);
            if (mi == null) throw new TokenizerFormatException("BPE merges: token `" + merged + "` out of vocabulary");
            this.merges.put(pack(ai, bi), ((long) rank << 32) | (mi & 0xFFFFFFFFL));
        }
    }

    private static long pack(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /** The symbols of a word: ids and byte lengths, interleaved. */
    private int[] mergeWord(String w) {
        IntList sym = new IntList(w.length() * 2 + 4);
        int unkId = -1, unkLen = 0;
        boolean haveUnk = false;
        int n = w.length();
        for (int i = 0; i < n; ) {
            int c = w.codePointAt(i);
            int next = i + Character.charCount(c);
            boolean first = i == 0, last = next >= n;
            String s = w.substring(i, next);
            int byteLen = Utf8.length(s);
            if (!first && prefix != null) s = prefix + s;
            if (last && suffix != null) s = s + suffix;
            Integer id = vocab.get(s);
            if (id != null) {
                if (haveUnk) {
                    sym.add(unkId);
                    sym.add(unkLen);
                    haveUnk = false;
                }
                sym.add(id);
                sym.add(byteLen);
            } else {
                boolean done = false;
                if (byteFallback) {
                    byte[] bytes = Utf8.encode(s);
                    int[] ids = new int[bytes.length];
                    boolean all = true;
                    for (int k = 0; k < bytes.length && all; k++) {
                        Integer bid = vocab.get(String.format("<0x%02X>", bytes[k] & 0xFF));
                        if (bid == null) all = false;
                        else ids[k] = bid;
                    }
                    if (all) {
                        for (int bid : ids) {
                            sym.add(bid);
                            sym.add(1);
                        }
                        done = true;
                    }
                }
                if (!done && unkToken != null) {
                    Integer u = vocab.get(unkToken);
                    if (haveUnk && fuseUnk) {
                        unkLen += byteLen;
                    } else {
                        if (haveUnk) {
                            sym.add(unkId);
                            sym.add(unkLen);
                        }
                        if (u == null) throw new TokenizerException("Unk token `" + unkToken + "` not found in the vocabulary");
                        unkId = u;
                        unkLen = byteLen;
                        haveUnk = true;
                    }
                }
            }
            i = next;
        }
        if (haveUnk) {
            sym.add(unkId);
            sym.add(unkLen);
        }
        return mergeAll(sym.toArray());
    }

    /** {@code Word::merge_all}: a min-heap of (rank, position) candidate merges. */
    private int[] mergeAll(int[] sym) {
        int n = sym.length / 2;
        if (n < 2) return sym;
        int[] c = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = sym[2 * i];
            len[i] = sym[2 * i + 1];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        Heap heap = new Heap(n);
        for (int i = 0; i + 1 < n; i++) {
            Long m = merges.get(pack(c[i], c[i + 1]));
            if (m != null) heap.push((int) (m >>> 32), i, (int) (long) m);
        }
        List<long[]> skipped = dropout > 0f ? new ArrayList<>() : null;
        while (heap.size > 0) {
            long top = heap.popKey();
            int rank = (int) (top >>> 32), pos = (int) top, newId = heap.lastNewId;
            if (dropout > 0f && ThreadLocalRandom.current().nextFloat() < dropout) {
                skipped.add(new long[] {rank, pos, newId});
                continue;
            }
            if (skipped != null) {
                for (long[] sk : skipped) heap.push((int) sk[0], (int) sk[1], (int) sk[2]);
                skipped.clear();
            }
            if (len[pos] == 0 || next[pos] == -1) continue;
            int right = next[pos];
            Long cur = merges.get(pack(c[pos], c[right]));
            if (cur == null || (int) (long) cur != newId) continue;
            c[pos] = newId;
            len[pos] += len[right];
            next[pos] = next[right];
            len[right] = 0;
            if (next[right] > -1 && next[right] < n) prev[next[right]] = pos;
            if (prev[pos] >= 0) {
                Long m = merges.get(pack(c[prev[pos]], c[pos]));
                if (m != null) heap.push((int) (m >>> 32), prev[pos], (int) (long) m);
            }
            int nx = next[pos];
            if (nx >= 0 && nx < n) {
                Long m = merges.get(pack(c[pos], c[nx]));
                if (m != null) heap.push((int) (m >>> 32), pos, (int) (long) m);
            }
        }
        IntList out = new IntList(2 * n);
        for (int i = 0; i < n; i++) {
            if (len[i] != 0) {
                out.add(c[i]);
                out.add(len[i]);
            }
        }
        return out.toArray();
    }

    /** A binary min-heap of (rank, pos) with the new id as payload. */
    private static final class Heap {
        long[] keys;
        int[] ids;
        int size;
        int lastNewId;

        Heap(int cap) {
            keys = new long[Math.max(4, cap)];
            ids = new int[keys.length];
        }

        void push(int rank, int pos, int newId) {
            if (size == keys.length) {
                keys = java.util.Arrays.copyOf(keys, size * 2);
                ids = java.util.Arrays.copyOf(ids, size * 2);
            }
            long k = ((long) rank << 32) | (pos & 0xFFFFFFFFL);
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (Long.compareUnsigned(keys[p], k) <= 0) break;
                keys[i] = keys[p];
                ids[i] = ids[p];
                i = p;
            }
            keys[i] = k;
            ids[i] = newId;
        }

        long popKey() {
            long top = keys[0];
            lastNewId = ids[0];
            long k = keys[--size];
            int id = ids[size];
            int i = 0;
            while (true) {
                int l = 2 * i + 1;
                if (l >= size) break;
                int r = l + 1;
                int m = r < size && Long.compareUnsigned(keys[r], keys[l]) < 0 ? r : l;
                if (Long.compareUnsigned(keys[m], k) >= 0) break;
                keys[i] = keys[m];
                ids[i] = ids[m];
                i = m;
            }
            if (size > 0) {
                keys[i] = k;
                ids[i] = id;
            }
            return top;
        }
    }

    @Override
    public List<Token> tokenize(String sequence) {
        if (sequence.isEmpty()) return List.of();
        if (ignoreMerges) {
            Integer id = vocab.get(sequence);
            if (id != null) return List.of(new Token(id, sequence, 0, sequence.length()));
        }
        int[] word;
        if (dropout > 0f) {
            word = mergeWord(sequence);
        } else {
            word = cache.get(sequence);
            if (word == null) {
                word = mergeWord(sequence);
                if (sequence.length() < CACHE_MAX_WORD_BYTES && cache.size() < CACHE_CAPACITY) cache.put(sequence, word);
            }
        }
        ByteOffsets bo = new ByteOffsets(sequence);
        List<Token> out = new ArrayList<>(word.length / 2);
        int pos = 0;
        for (int k = 0; k < word.length; k += 2) {
            int id = word[k], l = word[k + 1];
            out.add(new Token(id, reverse.get(id), bo.start(pos), bo.end(pos + l)));
            pos += l;
        }
        return out;
    }
}
