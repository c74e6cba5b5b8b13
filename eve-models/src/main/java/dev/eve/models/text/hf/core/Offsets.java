package dev.eve.models.text.hf.core;

/** Conversions between UTF-16, UTF-8 and code-point offsets of a string. */
public final class Offsets {

    private Offsets() {}

    /** The UTF-16 index whose UTF-8 offset is {@code byteOffset}; -1 when it falls inside a character. */
    public static int utf8ToUtf16(String s, int byteOffset) {
        int b = 0;
        for (int i = 0; i < s.length(); ) {
            if (b == byteOffset) return i;
            if (b > byteOffset) return -1;
            int c = s.codePointAt(i);
            b += dev.eve.models.text.util.Utf8.lengthOf(c);
            i += Character.charCount(c);
        }
        return b == byteOffset ? s.length() : -1;
    }

    /** UTF-8 offset of UTF-16 index {@code i}. */
    public static int utf16ToUtf8(String s, int i) {
        return dev.eve.models.text.util.Utf8.length(s.subSequence(0, i));
    }

    /** True when the string has a surrogate pair (code-point offsets then differ from UTF-16 ones). */
    public static boolean hasSupplementary(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isSurrogate(s.charAt(i))) return true;
        return false;
    }
}
