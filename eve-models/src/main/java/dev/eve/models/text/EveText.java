package dev.eve.models.text;

import dev.eve.models.text.util.UnicodeProps;

import java.util.Arrays;

/**
 * EVE's text cleaning, exactly as {@code dataset/utils.py} of the original code (github ssyze/EVE) does it
 * in Python, before tokenization:
 *
 * <pre>
 * pre_caption:  lower(); drop , . ' ! ? " ( ) * # : ; ~ `; '-' and '/' to ' '; '&lt;person&gt;' to 'person';
 *               every run of whitespace to one space; rstrip('\n'); strip(' ');
 *               keep the first max_words of split(' '); an empty result is an error.
 * pre_question: lower(); drop , . ' ! ? " ( ) * # : ; ~; '-' and '/' to ' '; rstrip(' ');
 *               keep the first max_words of split(' ') (no whitespace collapsing, so empty words count).
 * </pre>
 *
 * Python semantics are kept: {@code str.lower()} (full case mapping, final sigma), Python's {@code \s}
 * (which includes U+001C..U+001F), {@code split(' ')} on single spaces.
 */
public final class EveText {

    private EveText() {}

    /** {@code pre_caption(caption, max_words)}; throws IllegalArgumentException when nothing is left. */
    public static String preCaption(String caption, int maxWords) {
        String s = pythonLower(caption);
        s = removeChars(s, ",.'!?\"()*#:;~`");
        s = s.replace('-', ' ').replace('/', ' ').replace("<person>", "person");
        s = collapseWhitespace(s);
        s = rstrip(s, '\n');
        s = strip(s, ' ');
        s = truncateWords(s, maxWords);
        if (s.isEmpty()) throw new IllegalArgumentException("pre_caption yields invalid text");
        return s;
    }

    /** {@code pre_question(question, max_ques_words)}. */
    public static String preQuestion(String question, int maxWords) {
        String s = pythonLower(question);
        s = removeChars(s, ",.'!?\"()*#:;~");
        s = s.replace('-', ' ').replace('/', ' ');
        s = rstrip(s, ' ');
        return truncateWords(s, maxWords);
    }

    /**
     * Python's {@code str.lower()}: the full lowercase mapping (U+0130 becomes "i" + U+0307) and capital sigma
     * in the Final_Sigma context ({@code \p{cased}\p{case-ignorable}* U+03A3 !(\p{case-ignorable}*\p{cased})})
     * becomes final sigma.
     */
    public static String pythonLower(String s) {
        int[] cps = s.codePoints().toArray();
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            if (c == 0x3A3) {
                b.append(finalSigma(cps, i) ? '\u03C2' : '\u03C3');
            } else if (c == 0x130) {
                b.append('i').append('\u0307');
            } else {
                b.appendCodePoint(Character.toLowerCase(c));
            }
        }
        return b.toString();
    }

    private static boolean finalSigma(int[] cps, int i) {
        int j = i - 1;
        while (j >= 0 && isCaseIgnorable(cps[j])) j--;
        boolean fin = j >= 0 && isCased(cps[j]);
        if (fin && i + 1 < cps.length) {
            j = i + 1;
            while (j < cps.length && isCaseIgnorable(cps[j])) j++;
            fin = j == cps.length || !isCased(cps[j]);
        }
        return fin;
    }

    private static boolean isCased(int c) {
        return Character.isLowerCase(c) || Character.isUpperCase(c) || Character.isTitleCase(c);
    }

    private static boolean isCaseIgnorable(int c) {
        switch (c) {
            case 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
                return true;
            default:
                int t = Character.getType(c);
                return t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK || t == Character.FORMAT
                        || t == Character.MODIFIER_LETTER || t == Character.MODIFIER_SYMBOL;
        }
    }

    private static String removeChars(String s, String chars) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (chars.indexOf(c) < 0) b.append(c);
        }
        return b.toString();
    }

    /** {@code re.sub(r"\s{1,}", ' ', s)} with Python's Unicode {@code \s}. */
    private static String collapseWhitespace(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean inRun = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (UnicodeProps.isPythonSpace(c)) {
                if (!inRun) b.append(' ');
                inRun = true;
            } else {
                b.appendCodePoint(c);
                inRun = false;
            }
        }
        return b.toString();
    }

    private static String rstrip(String s, char c) {
        int e = s.length();
        while (e > 0 && s.charAt(e - 1) == c) e--;
        return s.substring(0, e);
    }

    private static String strip(String s, char c) {
        int b = 0, e = s.length();
        while (b < e && s.charAt(b) == c) b++;
        while (e > b && s.charAt(e - 1) == c) e--;
        return s.substring(b, e);
    }

    /** {@code words = s.split(' '); if len(words) > n: s = ' '.join(words[:n])}. */
    private static String truncateWords(String s, int maxWords) {
        String[] words = s.split(" ", -1);
        if (words.length > maxWords) {
            int keep = maxWords >= 0 ? maxWords : Math.max(0, words.length + maxWords); // Python slice words[:n]
            return String.join(" ", Arrays.copyOf(words, keep));
        }
        return s;
    }
}
