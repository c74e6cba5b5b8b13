package dev.eve.models.text;

import java.util.Arrays;
import java.util.List;

/**
 * The result of encoding one text: token ids, their pieces (the token strings the reference library
 * reports), and for each token its [start, end) offsets in Unicode code points of the input text
 * (Python's string indices; [0, 0] for added special tokens and padding). Also the per-token type ids,
 * attention mask and special-tokens mask that padding and post-processing produce.
 *
 * <p>The arrays returned by the accessors are the encoding's own; do not modify them.
 */
public final class Encoding {

    private final int[] ids;
    private final String[] pieces;
    private final int[] offsets;
    private final int[] typeIds;
    private final int[] specialTokensMask;
    private final int[] attentionMask;

    /** An encoding of ordinary tokens: type ids 0, attention 1, no special tokens. */
    public Encoding(int[] ids, String[] pieces, int[] offsets) {
        this(ids, pieces, offsets, new int[ids.length], new int[ids.length], filled(ids.length, 1));
    }

    /** {@code offsets} holds start and end of token i at [2i] and [2i + 1]. */
    public Encoding(int[] ids, String[] pieces, int[] offsets, int[] typeIds, int[] specialTokensMask, int[] attentionMask) {
        int n = ids.length;
        if (pieces.length != n || offsets.length != 2 * n || typeIds.length != n || specialTokensMask.length != n
                || attentionMask.length != n) {
            throw new IllegalArgumentException("encoding arrays disagree in length");
        }
        this.ids = ids;
        this.pieces = pieces;
        this.offsets = offsets;
        this.typeIds = typeIds;
        this.specialTokensMask = specialTokensMask;
        this.attentionMask = attentionMask;
    }

    static int[] filled(int n, int v) {
        int[] a = new int[n];
        if (v != 0) Arrays.fill(a, v);
        return a;
    }

    public int size() {
        return ids.length;
    }

    public int[] ids() {
        return ids;
    }

    public List<String> pieces() {
        return Arrays.asList(pieces);
    }

    public String piece(int i) {
        return pieces[i];
    }

    /** Start (inclusive) of token {@code i} in code points. */
    public int start(int i) {
        return offsets[2 * i];
    }

    /** End (exclusive) of token {@code i} in code points. */
    public int end(int i) {
        return offsets[2 * i + 1];
    }

    /** The offsets as [n][2] pairs. */
    public int[][] offsets() {
        int[][] o = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) o[i] = new int[] {offsets[2 * i], offsets[2 * i + 1]};
        return o;
    }

    /** The offsets flattened: start and end of token i at [2i] and [2i + 1] (the encoding's own array). */
    public int[] offsetArray() {
        return offsets;
    }

    /** Concatenates encodings (Hugging Face's {@code Encoding::merge} without offset shifting). */
    public static Encoding concat(java.util.List<Encoding> parts) {
        int n = 0;
        for (Encoding e : parts) n += e.size();
        int[] ids = new int[n], type = new int[n], special = new int[n], att = new int[n], offs = new int[2 * n];
        String[] pieces = new String[n];
        int o = 0;
        for (Encoding e : parts) {
            int k = e.size();
            System.arraycopy(e.ids, 0, ids, o, k);
            System.arraycopy(e.pieces, 0, pieces, o, k);
            System.arraycopy(e.offsets, 0, offs, 2 * o, 2 * k);
            System.arraycopy(e.typeIds, 0, type, o, k);
            System.arraycopy(e.specialTokensMask, 0, special, o, k);
            System.arraycopy(e.attentionMask, 0, att, o, k);
            o += k;
        }
        return new Encoding(ids, pieces, offs, type, special, att);
    }

    /** The same tokens with every type id set to {@code typeId}. */
    public Encoding withTypeId(int typeId) {
        int[] t = new int[ids.length];
        if (typeId != 0) Arrays.fill(t, typeId);
        return new Encoding(ids, pieces, offsets, t, specialTokensMask, attentionMask);
    }

    /** Special tokens: type {@code typeId}, offsets [0, 0], special mask 1. */
    public static Encoding special(int[] ids, String[] tokens, int typeId) {
        int n = ids.length;
        int[] t = new int[n];
        if (typeId != 0) Arrays.fill(t, typeId);
        return new Encoding(ids, tokens, new int[2 * n], t, filled(n, 1), filled(n, 1));
    }

    public int[] typeIds() {
        return typeIds;
    }

    public int[] specialTokensMask() {
        return specialTokensMask;
    }

    public int[] attentionMask() {
        return attentionMask;
    }

    /**
     * Keeps the first {@code n} tokens (or the last {@code n} when {@code fromLeft}); returns this encoding
     * when it is not longer than {@code n}.
     */
    public Encoding truncate(int n, boolean fromLeft) {
        if (n >= ids.length) return this;
        int from = fromLeft ? ids.length - n : 0;
        int to = from + n;
        return new Encoding(Arrays.copyOfRange(ids, from, to), Arrays.copyOfRange(pieces, from, to),
                Arrays.copyOfRange(offsets, 2 * from, 2 * to), Arrays.copyOfRange(typeIds, from, to),
                Arrays.copyOfRange(specialTokensMask, from, to), Arrays.copyOfRange(attentionMask, from, to));
    }

    /**
     * Pads to {@code length} tokens with {@code padId}/{@code padToken} (attention 0, special 1, offsets
     * [0, 0], type {@code padTypeId}), on the right or on the left; returns this encoding when it is
     * already long enough.
     */
    public Encoding pad(int length, int padId, String padToken, int padTypeId, boolean left) {
        int n = ids.length;
        if (n >= length) return this;
        int p = length - n;
        int at = left ? p : 0;
        int padAt = left ? 0 : n;
        int[] nIds = new int[length], nType = new int[length], nSpecial = new int[length], nAtt = new int[length];
        String[] nPieces = new String[length];
        int[] nOff = new int[2 * length];
        System.arraycopy(ids, 0, nIds, at, n);
        System.arraycopy(pieces, 0, nPieces, at, n);
        System.arraycopy(offsets, 0, nOff, 2 * at, 2 * n);
        System.arraycopy(typeIds, 0, nType, at, n);
        System.arraycopy(specialTokensMask, 0, nSpecial, at, n);
        System.arraycopy(attentionMask, 0, nAtt, at, n);
        for (int i = padAt; i < padAt + p; i++) {
            nIds[i] = padId;
            nPieces[i] = padToken;
            nType[i] = padTypeId;
            nSpecial[i] = 1;
            nAtt[i] = 0;
        }
        return new Encoding(nIds, nPieces, nOff, nType, nSpecial, nAtt);
    }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(ids) + " " + Arrays.toString(pieces);
    }
}
