package dev.eve.models.text.util;

/**
 * A read-only Darts-clone double-array trie over bytes, as stored in SentencePiece's
 * {@code precompiled_charsmap}: 32-bit little-endian units holding a label, an offset, a has-leaf bit and,
 * in leaf units, a value. Lookups that would leave the array are treated as "no match", so a corrupted
 * array cannot crash the reader.
 */
public final class DoubleArray {

    private final int[] units;

    public DoubleArray(int[] units) {
        if (units.length == 0) throw new IllegalArgumentException("empty double array");
        this.units = units;
    }

    private static boolean hasLeaf(int unit) {
        return ((unit >>> 8) & 1) == 1;
    }

    private static int value(int unit) {
        return unit & 0x7FFFFFFF;
    }

    private static int label(int unit) {
        return unit & (0x80000000 | 0xFF);
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    /** True when some key starts with the byte {@code b} (a quick filter before {@link #longestPrefix}). */
    public boolean hasTransition(int b) {
        int pos = offset(units[0]) ^ b;
        return pos >= 0 && pos < units.length && label(units[pos]) == b;
    }

    /**
     * Common-prefix search of {@code key[from, to)} returning the longest match: its length in the high 32
     * bits and its value in the low 32 bits, or -1 when nothing matches. Search stops at a 0 byte when
     * {@code stopAtNul} (as spm_precompiled does), else a 0 byte simply matches no key (as darts does with an
     * explicit length).
     */
    public long longestPrefix(byte[] key, int from, int to, boolean stopAtNul) {
        long best = -1;
        int pos = offset(units[0]);
        for (int i = from; i < to; i++) {
            int c = key[i] & 0xFF;
            if (c == 0 && stopAtNul) break;
            pos ^= c;
            if (pos < 0 || pos >= units.length) return best;
            int unit = units[pos];
            if (label(unit) != c) return best;
            pos ^= offset(unit);
            if (pos < 0 || pos >= units.length) return best;
            if (hasLeaf(unit)) best = ((long) (i - from + 1) << 32) | value(units[pos]);
        }
        return best;
    }

    /** The first (shortest) match of a common-prefix search, encoded as in {@link #longestPrefix}. */
    public long shortestPrefix(byte[] key, int from, int to, boolean stopAtNul) {
        int pos = offset(units[0]);
        for (int i = from; i < to; i++) {
            int c = key[i] & 0xFF;
            if (c == 0 && stopAtNul) break;
            pos ^= c;
            if (pos < 0 || pos >= units.length) return -1;
            int unit = units[pos];
            if (label(unit) != c) return -1;
            pos ^= offset(unit);
            if (pos < 0 || pos >= units.length) return -1;
            if (hasLeaf(unit)) return ((long) (i - from + 1) << 32) | value(units[pos]);
        }
        return -1;
    }
}
