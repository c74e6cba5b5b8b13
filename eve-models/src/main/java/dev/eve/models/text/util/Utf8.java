package dev.eve.models.text.util;

/**
 * UTF-8 helpers with the exact error behaviour of the reference libraries: Java strings may hold lone
 * surrogates, which become U+FFFD (what SentencePiece makes of any malformed byte); decoding bytes
 * replaces each maximal invalid subsequence by one U+FFFD, like Rust's {@code String::from_utf8_lossy}.
 */
public final class Utf8 {

    private Utf8() {}

    /** The UTF-8 bytes of {@code s}; a lone surrogate becomes EF BF BD. */
    public static byte[] encode(CharSequence s) {
        int n = s.length();
        int ascii = 0;
        while (ascii < n && s.charAt(ascii) < 0x80) ascii++;
        if (ascii == n) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) b[i] = (byte) s.charAt(i);
            return b;
        }
        byte[] out = new byte[ascii + (n - ascii) * 3];
        int o = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[o++] = (byte) c;
            } else if (c < 0x800) {
                out[o++] = (byte) (0xC0 | (c >> 6));
                out[o++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[o++] = (byte) (0xF0 | (cp >> 18));
                out[o++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[o++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[o++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                if (Character.isSurrogate(c)) c = '\uFFFD';
                out[o++] = (byte) (0xE0 | (c >> 12));
                out[o++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[o++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return o == out.length ? out : java.util.Arrays.copyOf(out, o);
    }

    /** Replaces lone surrogates by U+FFFD (the string every encoder here actually sees). */
    public static String scrub(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                StringBuilder b = new StringBuilder(s.length());
                b.append(s, 0, i);
                for (int j = i; j < s.length(); j++) {
                    char d = s.charAt(j);
                    if (Character.isHighSurrogate(d) && j + 1 < s.length() && Character.isLowSurrogate(s.charAt(j + 1))) {
                        b.append(d).append(s.charAt(++j));
                    } else {
                        b.append(Character.isSurrogate(d) ? '\uFFFD' : d);
                    }
                }
                return b.toString();
            }
        }
        return s;
    }

    /** Byte length of the UTF-8 sequence that starts with {@code lead}, as SentencePiece's OneCharLen. */
    public static int oneCharLen(byte lead) {
        int hi = (lead & 0xFF) >> 4;
        return hi < 12 ? 1 : hi < 14 ? 2 : hi == 14 ? 3 : 4;
    }

    /** Length of a well-formed sequence at {@code b[i]} (the input is known to be valid UTF-8). */
    public static int charLen(byte[] b, int i) {
        return oneCharLen(b[i]);
    }

    /** Decodes the code point of the well-formed sequence at {@code b[i]}. */
    public static int codePointAt(byte[] b, int i) {
        int c = b[i] & 0xFF;
        if (c < 0x80) return c;
        if (c < 0xE0) return ((c & 0x1F) << 6) | (b[i + 1] & 0x3F);
        if (c < 0xF0) return ((c & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
        return ((c & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
    }

    /** UTF-8 length of one code point. */
    public static int lengthOf(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    /** UTF-8 length of a string (lone surrogates count 3, as U+FFFD). */
    public static int length(CharSequence s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    /**
     * SentencePiece's DecodeUTF8 validity: the length of the valid sequence at {@code b[i]}, or -1 when the
     * byte starts no valid sequence (which then counts as one byte).
     */
    public static int spmValidLength(byte[] b, int i, int end) {
        int len = end - i;
        int c0 = b[i] & 0xFF;
        if (c0 < 0x80) return 1;
        if (len >= 2 && (c0 & 0xE0) == 0xC0) {
            int cp = ((c0 & 0x1F) << 6) | (b[i + 1] & 0x3F);
            if (trail(b[i + 1]) && cp >= 0x80) return 2;
        } else if (len >= 3 && (c0 & 0xF0) == 0xE0) {
            int cp = ((c0 & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
            if (trail(b[i + 1]) && trail(b[i + 2]) && cp >= 0x800 && validCp(cp)) return 3;
        } else if (len >= 4 && (c0 & 0xF8) == 0xF0) {
            int cp = ((c0 & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
            if (trail(b[i + 1]) && trail(b[i + 2]) && trail(b[i + 3]) && cp >= 0x10000 && validCp(cp)) return 4;
        }
        return -1;
    }

    private static boolean trail(byte x) {
        return (x & 0xC0) == 0x80;
    }

    private static boolean validCp(int c) {
        return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF);
    }

    /** Rust {@code String::from_utf8_lossy}: one U+FFFD per maximal invalid subsequence. */
    public static String decodeLossy(byte[] b, int off, int len) {
        StringBuilder out = new StringBuilder(len);
        int i = off, end = off + len;
        while (i < end) {
            int c0 = b[i] & 0xFF;
            if (c0 < 0x80) {
                out.append((char) c0);
                i++;
                continue;
            }
            int need, lo = 0x80, hi = 0xBF;
            if (c0 >= 0xC2 && c0 <= 0xDF) need = 1;
            else if (c0 >= 0xE0 && c0 <= 0xEF) {
                need = 2;
                if (c0 == 0xE0) lo = 0xA0;
                if (c0 == 0xED) hi = 0x9F;
            } else if (c0 >= 0xF0 && c0 <= 0xF4) {
                need = 3;
                if (c0 == 0xF0) lo = 0x90;
                if (c0 == 0xF4) hi = 0x8F;
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int cp = c0 & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07);
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= end) {
                    ok = false;
                    break;
                }
                int cb = b[j] & 0xFF;
                int l = k == 0 ? lo : 0x80, h = k == 0 ? hi : 0xBF;
                if (cb < l || cb > h) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (cb & 0x3F);
            }
            if (ok) {
                out.appendCodePoint(cp);
                i = j;
            } else {
                out.append('\uFFFD');
                i = j;
            }
        }
        return out.toString();
    }

    /** Strict decoding: null when the bytes are not valid UTF-8 (Rust {@code String::from_utf8}). */
    public static String decodeStrict(byte[] b, int off, int len) {
        var dec = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        try {
            return dec.decode(java.nio.ByteBuffer.wrap(b, off, len)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }
}
