package dev.eve.models.text.util;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * SentencePiece's {@code precompiled_charsmap}: a 4-byte little-endian trie size, the double-array trie
 * (keys are UTF-8 byte strings) and a table of NUL-terminated replacement strings the trie values point
 * into. Used by SentencePiece's normalizer and by Hugging Face's {@code Precompiled} normalizer, which
 * read it with different matching rules (see their callers).
 */
public final class CharsMap {

    private final DoubleArray trie;
    private final byte[] normalized;
    private final boolean[] firstByte = new boolean[256];

    private CharsMap(DoubleArray trie, byte[] normalized) {
        this.trie = trie;
        this.normalized = normalized;
        for (int b = 0; b < 256; b++) firstByte[b] = trie.hasTransition(b);
    }

    /** Parses the blob; throws IllegalArgumentException with the reason when it is broken. */
    public static CharsMap parse(byte[] blob) {
        if (blob.length <= 4) throw new IllegalArgumentException("precompiled_charsmap is broken (" + blob.length + " bytes)");
        long trieSize = ByteBuffer.wrap(blob, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        if (trieSize + 4 > blob.length)
            throw new IllegalArgumentException("precompiled_charsmap trie size " + trieSize + " exceeds the blob (" + blob.length + " bytes)");
        int units = (int) (trieSize / 4);
        if (units == 0) throw new IllegalArgumentException("precompiled_charsmap has an empty trie");
        int[] array = new int[units];
        ByteBuffer bb = ByteBuffer.wrap(blob, 4, units * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < units; i++) array[i] = bb.getInt();
        int normStart = (int) (4 + trieSize);
        byte[] norm = java.util.Arrays.copyOfRange(blob, normStart, blob.length);
        return new CharsMap(new DoubleArray(array), norm);
    }

    /** Whether any rule starts with this byte. */
    public boolean mayMatch(int firstByteValue) {
        return firstByte[firstByteValue & 0xFF];
    }

    /** Longest rule matching at {@code key[from..to)}: (length << 32 | table offset), or -1. */
    public long longest(byte[] key, int from, int to) {
        if (!firstByte[key[from] & 0xFF]) return -1;
        return trie.longestPrefix(key, from, to, false);
    }

    /** spm_precompiled's {@code transform}: the FIRST (shortest) rule matching a prefix, stopping at NUL. */
    public long shortest(byte[] key, int from, int to) {
        if (from >= to || !firstByte[key[from] & 0xFF]) return -1;
        return trie.shortestPrefix(key, from, to, true);
    }

    /** The replacement table itself (strings end at a 0 byte or at the end of the table). */
    public byte[] table() {
        return normalized;
    }

    /** Offset of the end (exclusive) of the replacement string that starts at {@code offset}. */
    public int replacementEnd(int offset) {
        if (offset < 0 || offset > normalized.length) return -1;
        int e = offset;
        while (e < normalized.length && normalized[e] != 0) e++;
        return e;
    }
}
