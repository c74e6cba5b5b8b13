package dev.eve.models.text.util;

/**
 * Character classes exactly as the reference implementations define them. Each predicate names the
 * library function whose behaviour it reproduces, because "whitespace" or "punctuation" differ between
 * Rust, Python and Java.
 */
public final class UnicodeProps {

    private UnicodeProps() {}

    /** Rust {@code char::is_whitespace}: the Unicode White_Space property (also Oniguruma's and Java's {@code \s}). */
    public static boolean isWhiteSpace(int c) {
        if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
        if (c < 0x85) return false;
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /** Python {@code str.isspace} (and {@code \s} in Python's {@code re}): White_Space plus U+001C..U+001F. */
    public static boolean isPythonSpace(int c) {
        return isWhiteSpace(c) || (c >= 0x1C && c <= 0x1F);
    }

    /** Rust {@code char::is_ascii_punctuation}. */
    public static boolean isAsciiPunctuation(int c) {
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
    }

    /** {@code unicode_categories::is_punctuation} (P*, old tables), as used by BERT and {@code Punctuation}. */
    public static boolean isLegacyPunctuation(int c) {
        return LegacyCategories.in(LegacyCategories.PUNCTUATION, c);
    }

    /** BERT's punctuation: ASCII punctuation (which includes symbols like {@code $ + < = > ^ ` |}) or P*. */
    public static boolean isBertPunctuation(int c) {
        return isAsciiPunctuation(c) || isLegacyPunctuation(c);
    }

    /** {@code unicode_categories::is_other}: Cc, Cf or Co (old tables; private use by plane ranges). */
    public static boolean isLegacyOther(int c) {
        return LegacyCategories.in(LegacyCategories.OTHER_CONTROL, c) || LegacyCategories.in(LegacyCategories.OTHER_FORMAT, c)
                || (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xF0000 && c <= 0xFFFFD) || (c >= 0x100000 && c <= 0x10FFFD);
    }

    /** {@code unicode_categories::is_mark_nonspacing} (Mn, old tables). */
    public static boolean isLegacyNonSpacingMark(int c) {
        return LegacyCategories.in(LegacyCategories.MARK_NONSPACING, c);
    }

    /** {@code unicode_normalization::char::is_combining_mark}: general category M (Mn, Mc, Me). */
    public static boolean isMark(int c) {
        int t = Character.getType(c);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
    }

    /** Rust {@code char::is_numeric}: Nd, Nl or No (with the characters Rust's newer Unicode adds). */
    public static boolean isNumeric(int c) {
        int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER
                || RustUnicode.isExtraNumeric(c);
    }

    /** Unicode letter (\p{L}). */
    public static boolean isLetter(int c) {
        return Character.isLetter(c);
    }

    /**
     * Rust {@code char::to_lowercase}: the simple mapping plus the one unconditional multi-character mapping
     * of SpecialCasing.txt (U+0130 to "i" + U+0307). Appends to {@code out}.
     */
    public static void appendRustLowercase(int c, StringBuilder out) {
        if (c == 0x130) {
            out.append('i').append('\u0307');
        } else {
            int extra = c >= 0xA700 ? RustUnicode.extraLowercase(c) : -1;
            out.appendCodePoint(extra >= 0 ? extra : Character.toLowerCase(c));
        }
    }

    /** BERT's CJK ideograph test (the CJK Unified Ideographs blocks and their extensions, not kana or hangul). */
    public static boolean isChineseChar(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
