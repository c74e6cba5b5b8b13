package dev.eve.models.text.spm;

import dev.eve.models.text.util.CharsMap;
import dev.eve.models.text.util.Utf8;

import java.util.Arrays;

/**
 * SentencePiece's normalizer (normalizer.cc) on UTF-8 bytes: at each position the longest user-defined
 * symbol (kept verbatim), else the longest rule of the precompiled character map, else one character
 * (a malformed byte becomes U+FFFD); spaces are escaped to U+2581, a dummy prefix is added, and with
 * {@code remove_extra_whitespaces} leading, trailing and repeated spaces are dropped. It also records, for
 * every normalized byte, the offset of the original byte it came from.
 */
final class SpmNormalizer {

    private static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};
    private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    /** The normalized bytes {@code text[0, length)} and {@code normToOrig[0, length]} (empty for empty output). */
    record Result(byte[] text, int length, int[] normToOrig) {}

    private final CharsMap map;
    private final SpmVocab userSymbols;
    private final boolean addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces, treatWhitespaceAsSuffix;

    SpmNormalizer(CharsMap map, SpmVocab userSymbols, ModelProto.NormalizerSpec spec, boolean treatWhitespaceAsSuffix) {
        this.map = map;
        this.userSymbols = userSymbols;
        this.addDummyPrefix = spec.addDummyPrefix();
        this.removeExtraWhitespaces = spec.removeExtraWhitespaces();
        this.escapeWhitespaces = spec.escapeWhitespaces();
        this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
    }

    /** The current prefix: replacement {@code src[off, off + len)} consuming {@code consumed} input bytes. */
    private static final class Prefix {
        byte[] src;
        int off, len, consumed;
    }

    private void normalizePrefix(byte[] in, int pos, int end, Prefix p) {
        if (userSymbols != null && userSymbols.userSymbols != null) {
            long m = userSymbols.userSymbols.longestPrefix(in, pos, end);
            if (m >= 0) {
                int len = (int) (m >>> 32);
                p.src = in;
                p.off = pos;
                p.len = len;
                p.consumed = len;
                return;
            }
        }
        if (map != null && map.mayMatch(in[pos])) {
            long r = map.longest(in, pos, end);
            if (r >= 0) {
                int off = (int) r;
                int e = map.replacementEnd(off);
                if (e >= 0) {
                    p.src = map.table();
                    p.off = off;
                    p.len = e - off;
                    p.consumed = (int) (r >>> 32);
                    return;
                }
            }
        }
        int v = Utf8.spmValidLength(in, pos, end);
        if (v < 0) {
            p.src = REPLACEMENT;
            p.off = 0;
            p.len = 3;
            p.consumed = 1;
        } else {
            p.src = in;
            p.off = pos;
            p.len = v;
            p.consumed = v;
        }
    }

    /** Reusable output buffers of one thread (a result is used before the thread normalizes again). */
    private static final class Scratch {
        byte[] out = new byte[256];
        int[] n2o = new int[257];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Normalizes into fresh arrays. */
    Result normalize(byte[] in) {
        return normalize(in, false);
    }

    /**
     * Normalizes; with {@code scratch} the result's arrays are this thread's buffers, valid until its next
     * scratch normalization.
     */
    Result normalize(byte[] in, boolean scratch) {
        int n = in.length;
        if (n == 0) return new Result(new byte[0], 0, new int[0]);
        Prefix p = new Prefix();
        int pos = 0;
        int consumed = 0;
        if (removeExtraWhitespaces) {
            while (pos < n) {
                normalizePrefix(in, pos, n, p);
                if (!(p.len == 1 && p.src[p.off] == ' ')) break;
                pos += p.consumed;
                consumed += p.consumed;
            }
        }
        if (pos >= n) return new Result(new byte[0], 0, new int[0]);

        int cap = Math.max(16, (n - pos) * 3 + 6);
        byte[] out;
        int[] n2o;
        Scratch sc = scratch ? SCRATCH.get() : null;
        if (sc != null && sc.out.length >= cap) {
            out = sc.out;
            n2o = sc.n2o;
        } else {
            out = new byte[cap];
            n2o = new int[cap + 1];
        }
        int o = 0;
        if (!treatWhitespaceAsSuffix && addDummyPrefix) {
            if (escapeWhitespaces) {
                out[o] = SPACE_SYMBOL[0];
                out[o + 1] = SPACE_SYMBOL[1];
                out[o + 2] = SPACE_SYMBOL[2];
                n2o[o] = n2o[o + 1] = n2o[o + 2] = consumed;
                o += 3;
            } else {
                n2o[o] = consumed;
                out[o++] = ' ';
            }
        }
        boolean isPrevSpace = removeExtraWhitespaces;
        boolean noUserSymbols = userSymbols == null || userSymbols.userSymbols == null;
        while (pos < n) {
            byte b0 = in[pos];
            if (b0 > 0 && b0 != ' ' && noUserSymbols && (map == null || !map.mayMatch(b0))) {
                // Fast path: an ASCII character that no rule touches is copied as is.
                if (o + 8 > out.length) {
                    out = Arrays.copyOf(out, out.length * 2);
                    n2o = Arrays.copyOf(n2o, out.length + 1);
                }
                n2o[o] = consumed;
                out[o++] = b0;
                isPrevSpace = false;
                consumed++;
                pos++;
                continue;
            }
            normalizePrefix(in, pos, n, p);
            int off = p.off, len = p.len;
            byte[] src = p.src;
            while (isPrevSpace && len > 0 && src[off] == ' ') {
                off++;
                len--;
            }
            if (len > 0) {
                if (o + len * 3 + 6 > out.length) {
                    int grown = Math.max(out.length * 2, o + len * 3 + 6);
                    out = Arrays.copyOf(out, grown);
                    n2o = Arrays.copyOf(n2o, grown + 1);
                }
                for (int k = 0; k < len; k++) {
                    byte b = src[off + k];
                    if (escapeWhitespaces && b == ' ') {
                        out[o] = SPACE_SYMBOL[0];
                        out[o + 1] = SPACE_SYMBOL[1];
                        out[o + 2] = SPACE_SYMBOL[2];
                        n2o[o] = n2o[o + 1] = n2o[o + 2] = consumed;
                        o += 3;
                    } else {
                        n2o[o] = consumed;
                        out[o++] = b;
                    }
                }
                isPrevSpace = src[off + len - 1] == ' ';
            }
            consumed += p.consumed;
            pos += p.consumed;
            if (!removeExtraWhitespaces) isPrevSpace = false;
        }
        if (removeExtraWhitespaces) {
            if (escapeWhitespaces) {
                while (o >= 3 && out[o - 3] == SPACE_SYMBOL[0] && out[o - 2] == SPACE_SYMBOL[1] && out[o - 1] == SPACE_SYMBOL[2]) {
                    o -= 3;
                    consumed = n2o[o];
                }
            } else {
                while (o >= 1 && out[o - 1] == ' ') {
                    o -= 1;
                    consumed = n2o[o];
                }
            }
        }
        if (o + 4 > out.length) {
            out = Arrays.copyOf(out, o + 4);
            n2o = Arrays.copyOf(n2o, o + 5);
        }
        if (treatWhitespaceAsSuffix && addDummyPrefix) {
            if (escapeWhitespaces) {
                out[o] = SPACE_SYMBOL[0];
                out[o + 1] = SPACE_SYMBOL[1];
                out[o + 2] = SPACE_SYMBOL[2];
                n2o[o] = n2o[o + 1] = n2o[o + 2] = consumed;
                o += 3;
            } else {
                n2o[o] = consumed;
                out[o++] = ' ';
            }
        }
        n2o[o] = consumed;
        if (sc != null && (sc.out != out)) {
            sc.out = out;
            sc.n2o = n2o;
        }
        return new Result(out, o, n2o);
    }

    /** Normalizes and returns only the text (SentencePiece's {@code Normalize(string)}, used for decoding). */
    String normalizeToString(String s) {
        Result r = normalize(Utf8.encode(s));
        return Utf8.decodeLossy(r.text(), 0, r.length());
    }
}
