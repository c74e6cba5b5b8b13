package dev.eve.models.text.hf.core;

import dev.eve.models.text.util.IntList;

import java.util.function.IntPredicate;
import java.util.regex.Matcher;

/**
 * Something to split or replace on, with Hugging Face's {@code Pattern::find_matches} semantics: the
 * string is cut into consecutive (start, end, isMatch) pieces, UTF-16 offsets here. An empty input gives
 * one empty non-match.
 */
public interface Pattern {

    /** Appends (start, end, isMatch ? 1 : 0) triples covering {@code s}. */
    void findMatches(String s, IntList out);

    /** A single-character predicate: every matching character is its own match. */
    static Pattern chars(IntPredicate p) {
        return (s, out) -> {
            if (s.isEmpty()) {
                out.add(0, 0, 0);
                return;
            }
            int last = 0;
            for (int i = 0; i < s.length(); ) {
                int c = s.codePointAt(i);
                int n = Character.charCount(c);
                if (p.test(c)) {
                    if (last < i) out.add(last, i, 0);
                    out.add(i, i + n, 1);
                    last = i + n;
                }
                i += n;
            }
            if (s.length() > last) out.add(last, s.length(), 0);
        };
    }

    /**
     * A regular expression with Oniguruma's {@code find_iter} (rust-onig) semantics: an empty match right
     * where the previous match ended is skipped and the search moves on by one character.
     */
    static Pattern regex(java.util.regex.Pattern re) {
        return (s, out) -> {
            if (s.isEmpty()) {
                out.add(0, 0, 0);
                return;
            }
            Matcher m = re.matcher(s);
            int prev = 0, pos = 0, lastMatchEnd = -1;
            int len = s.length();
            while (pos <= len) {
                if (!m.find(pos)) break;
                int st = m.start(), en = m.end();
                if (st == en && en == lastMatchEnd) {
                    if (pos >= len) break;
                    pos += Character.charCount(s.codePointAt(pos));
                    continue;
                }
                if (prev != st) out.add(prev, st, 0);
                out.add(st, en, 1);
                prev = en;
                lastMatchEnd = en;
                pos = en;
            }
            if (prev != len) out.add(prev, len, 0);
        };
    }

    /**
     * A literal string (Hugging Face escapes it into a regex). The empty string matches nothing; like the
     * Rust code, that case reports the text's character count as its end offset (in UTF-8 bytes).
     */
    static Pattern literal(String lit) {
        if (lit.isEmpty()) {
            return (s, out) -> {
                int chars = s.codePointCount(0, s.length());
                out.add(0, Offsets.utf8ToUtf16(s, chars), 0);
            };
        }
        return regex(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(lit)));
    }

    /** The same splits with match and non-match swapped. */
    static Pattern invert(Pattern p) {
        return (s, out) -> {
            int from = out.size();
            p.findMatches(s, out);
            for (int i = from + 2; i < out.size(); i += 3) out.set(i, 1 - out.get(i));
        };
    }

    /** Translates an Oniguruma (Ruby syntax) pattern to java.util.regex: {@code \h} is a hex digit there. */
    static java.util.regex.Pattern compileOniguruma(String onig) {
        StringBuilder b = new StringBuilder(onig.length() + 8);
        boolean inClass = false;
        for (int i = 0; i < onig.length(); i++) {
            char c = onig.charAt(i);
            if (c == '\\' && i + 1 < onig.length()) {
                char d = onig.charAt(i + 1);
                if (d == 'h') b.append(inClass ? "0-9a-fA-F" : "[0-9a-fA-F]");
                else if (d == 'H') b.append(inClass ? "\\x00-/:-@G-`g-\\x{10FFFF}" : "[^0-9a-fA-F]");
                else b.append(c).append(d);
                i++;
                continue;
            }
            if (c == '[') inClass = true;
            else if (c == ']') inClass = false;
            b.append(c);
        }
        return java.util.regex.Pattern.compile(b.toString(),
                java.util.regex.Pattern.UNICODE_CHARACTER_CLASS | java.util.regex.Pattern.MULTILINE | java.util.regex.Pattern.UNIX_LINES);
    }
}
