package dev.eve.models.text.util;

import java.util.Arrays;

/**
 * An immutable trie over byte strings with an int value per key, for common-prefix searches over UTF-8
 * text (vocabulary lookups in Viterbi segmentation, user-defined symbols). Transitions live in one
 * open-addressing table keyed by (node, byte).
 */
public final class ByteTrie {

    private final long[] keys;   // (node << 8 | byte) + 1, 0 = empty
    private final int[] targets;
    private final int mask;
    private final int[] values;  // per node, -1 = not a key
    private final int[] rootChild = new int[256];

    private ByteTrie(long[] keys, int[] targets, int[] values) {
        this.keys = keys;
        this.targets = targets;
        this.mask = keys.length - 1;
        this.values = values;
        for (int b = 0; b < 256; b++) rootChild[b] = lookup(0, b);
    }

    /** Builds the trie; when a key repeats, the later value wins. */
    public static ByteTrie build(byte[][] keys, int[] values) {
        // First pass: nodes via a temporary map.
        java.util.HashMap<Long, Integer> edges = new java.util.HashMap<>();
        IntList vals = new IntList();
        vals.add(-1);
        for (int k = 0; k < keys.length; k++) {
            int node = 0;
            for (byte b : keys[k]) {
                long e = ((long) node << 8) | (b & 0xFF);
                Integer next = edges.get(e);
                if (next == null) {
                    next = vals.size();
                    vals.add(-1);
                    edges.put(e, next);
                }
                node = next;
            }
            vals.set(node, values[k]);
        }
        int cap = Integer.highestOneBit(Math.max(4, edges.size() * 2 - 1)) << 1;
        long[] tk = new long[cap];
        int[] tt = new int[cap];
        for (var en : edges.entrySet()) {
            long key = en.getKey() + 1;
            int h = mix(key) & (cap - 1);
            while (tk[h] != 0) h = (h + 1) & (cap - 1);
            tk[h] = key;
            tt[h] = en.getValue();
        }
        return new ByteTrie(tk, tt, vals.toArray());
    }

    private static int mix(long k) {
        k *= 0x9E3779B97F4A7C15L;
        return (int) (k ^ (k >>> 29));
    }

    private int lookup(int node, int b) {
        long key = (((long) node << 8) | b) + 1;
        int h = mix(key) & mask;
        while (true) {
            long k = keys[h];
            if (k == key) return targets[h];
            if (k == 0) return -1;
            h = (h + 1) & mask;
        }
    }

    /** The child of {@code node} on byte {@code b}, or -1. */
    public int child(int node, int b) {
        return node == 0 ? rootChild[b & 0xFF] : lookup(node, b & 0xFF);
    }

    /** The value stored at {@code node} (-1 when no key ends there). */
    public int value(int node) {
        return values[node];
    }

    /** Longest key that is a prefix of {@code s[from, to)}: (length << 32 | value), or -1. */
    public long longestPrefix(byte[] s, int from, int to) {
        long best = -1;
        int node = 0;
        for (int i = from; i < to; i++) {
            node = child(node, s[i]);
            if (node < 0) break;
            int v = values[node];
            if (v >= 0) best = ((long) (i - from + 1) << 32) | v;
        }
        return best;
    }

    /** Exact lookup of {@code s[from, to)}, or -1. */
    public int get(byte[] s, int from, int to) {
        int node = 0;
        for (int i = from; i < to && node >= 0; i++) node = child(node, s[i]);
        return node < 0 ? -1 : values[node];
    }

    @Override
    public String toString() {
        return "ByteTrie(" + values.length + " nodes, " + Arrays.stream(values).filter(v -> v >= 0).count() + " keys)";
    }
}
