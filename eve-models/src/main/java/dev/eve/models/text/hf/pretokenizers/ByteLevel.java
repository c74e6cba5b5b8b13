package dev.eve.models.text.hf.pretokenizers;

import dev.eve.models.text.hf.core.NormalizedString;
import dev.eve.models.text.hf.core.PreTokenizedString;
import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.UnicodeProps;

import java.util.ArrayList;
import java.util.List;

/**
 * GPT-2's byte-level pre-tokenizer: optionally prepend a space, split with GPT-2's regex
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} (hand-written here,
 * same matches), then map every UTF-8 byte to its printable "byte character" (space is U+0120 'Ġ').
 */
public record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {

    /** GPT-2's bytes_to_unicode table: byte value to character. */
    public static final char[] BYTE_CHAR = new char[256];
    /** The inverse: character to byte value, -1 when the character is none of the 256. */
    private static final short[] CHAR_BYTE = new short[512];

    static {
        java.util.Arrays.fill(CHAR_BYTE, (short) -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_CHAR[b] = printable ? (char) b : (char) (256 + n++);
        }
        for (int b = 0; b < 256; b++) CHAR_BYTE[BYTE_CHAR[b]] = (short) b;
    }

    /** The byte value of a byte character, or -1. */
    public static int byteOf(int c) {
        return c >= 0 && c < 512 ? CHAR_BYTE[c] : -1;
    }

    /** (char, change) pairs turning every character of {@code s} into its bytes' characters. */
    public static IntList byteChars(String s) {
        IntList t = new IntList(s.length() * 4 + 4);
        byte[] buf = new byte[4];
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c < 0x80) {
                t.add(BYTE_CHAR[c]);
                t.add(0);
                continue;
            }
            if (Character.isSurrogate((char) c) && c <= 0xFFFF) c = 0xFFFD;
            int n = encode(c, buf);
            for (int k = 0; k < n; k++) {
                t.add(BYTE_CHAR[buf[k] & 0xFF]);
                t.add(k > 0 ? 1 : 0);
            }
        }
        return t;
    }

    private static int encode(int c, byte[] b) {
        if (c < 0x800) {
            b[0] = (byte) (0xC0 | (c >> 6));
            b[1] = (byte) (0x80 | (c & 0x3F));
            return 2;
        }
        if (c < 0x10000) {
            b[0] = (byte) (0xE0 | (c >> 12));
            b[1] = (byte) (0x80 | ((c >> 6) & 0x3F));
            b[2] = (byte) (0x80 | (c & 0x3F));
            return 3;
        }
        b[0] = (byte) (0xF0 | (c >> 18));
        b[1] = (byte) (0x80 | ((c >> 12) & 0x3F));
        b[2] = (byte) (0x80 | ((c >> 6) & 0x3F));
        b[3] = (byte) (0x80 | (c & 0x3F));
        return 4;
    }

    @Override
    public void preTokenize(PreTokenizedString s) {
        s.splitPlain(n -> {
            if (addPrefixSpace && !n.get().startsWith(" ")) n.prepend(" ");
            if (!useRegex) return List.of(n);
            return splitGpt2(n);
        });
        s.normalize(n -> n.transform(byteChars(n.get()), 0));
    }

    private static List<NormalizedString> splitGpt2(NormalizedString n) {
        String t = n.get();
        IntList m = new IntList();
        gpt2Matches(t, m);
        List<NormalizedString> out = new ArrayList<>(m.size() / 2);
        for (int k = 0; k < m.size(); k += 2) out.add(n.slice(m.get(k), m.get(k + 1)));
        return out;
    }

    private static boolean isL(int c) {
        return Character.isLetter(c);
    }

    private static boolean isN(int c) {
        int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    private static boolean isOther(int c) {
        return !UnicodeProps.isWhiteSpace(c) && !isL(c) && !isN(c);
    }

    /** Appends (start, end) of every match of GPT-2's regex; the matches tile the whole string. */
    public static void gpt2Matches(String t, IntList out) {
        int len = t.length();
        int i = 0;
        while (i < len) {
            int c = t.codePointAt(i);
            int e;
            if (c == '\'' && i + 1 < len && (e = contraction(t, i)) > 0) {
                out.add(i);
                out.add(e);
                i = e;
                continue;
            }
            int start = i;
            int j = i;
            if (c == ' ' && i + 1 < len) {
                int d = t.codePointAt(i + 1);
                if (isL(d) || isN(d) || isOther(d)) {
                    j = i + 1;
                    c = d;
                }
            }
            if (isL(c)) {
                j = run(t, j, 0);
            } else if (isN(c)) {
                j = run(t, j, 1);
            } else if (isOther(c)) {
                j = run(t, j, 2);
            } else {
                // whitespace: \s+(?!\S) then \s+
                int k = i;
                while (k < len && UnicodeProps.isWhiteSpace(t.codePointAt(k))) k += Character.charCount(t.codePointAt(k));
                if (k == len) {
                    j = k;
                } else {
                    // back off one character so the run is followed by whitespace, if it has two or more
                    int last = t.offsetByCodePoints(k, -1);
                    j = last > i ? last : k;
                }
            }
            out.add(start);
            out.add(j);
            i = j;
        }
    }

    private static int contraction(String t, int i) {
        int len = t.length();
        char a = i + 1 < len ? t.charAt(i + 1) : 0;
        char b = i + 2 < len ? t.charAt(i + 2) : 0;
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
        return -1;
    }

    private static int run(String t, int j, int kind) {
        int len = t.length();
        while (j < len) {
            int c = t.codePointAt(j);
            boolean ok = kind == 0 ? isL(c) : kind == 1 ? isN(c) : isOther(c);
            if (!ok) break;
            j += Character.charCount(c);
        }
        return j;
    }
}
