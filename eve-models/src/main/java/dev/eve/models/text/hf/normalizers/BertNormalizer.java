package dev.eve.models.text.hf.normalizers;

import dev.eve.models.text.hf.core.NormalizedString;
import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.UnicodeProps;

import java.text.Normalizer.Form;

/**
 * {@code BertNormalizer}: clean text (drop NUL, U+FFFD and control/format characters by the old Unicode
 * tables the Rust crate uses; whitespace becomes a space), put spaces around CJK ideographs, strip accents
 * (NFD then drop non-spacing marks; {@code strip_accents: null} follows {@code lowercase}) and lowercase.
 */
public record BertNormalizer(boolean cleanText, boolean handleChineseChars, Boolean stripAccents, boolean lowercase)
        implements Normalizer {

    private static boolean isBertWhitespace(int c) {
        return c == '\t' || c == '\n' || c == '\r' || UnicodeProps.isWhiteSpace(c);
    }

    private static boolean isBertControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') return false;
        return UnicodeProps.isLegacyOther(c);
    }

    @Override
    public void normalize(NormalizedString s) {
        if (cleanText) {
            s.filter(c -> !(c == 0 || c == 0xFFFD || isBertControl(c)));
            s.map(c -> isBertWhitespace(c) ? ' ' : c);
        }
        if (handleChineseChars) {
            String t = s.get();
            boolean any = false;
            for (int i = 0; i < t.length() && !any; ) {
                int c = t.codePointAt(i);
                any = UnicodeProps.isChineseChar(c);
                i += Character.charCount(c);
            }
            if (any) {
                IntList tr = new IntList(t.length() * 2 + 8);
                for (int i = 0; i < t.length(); ) {
                    int c = t.codePointAt(i);
                    i += Character.charCount(c);
                    if (UnicodeProps.isChineseChar(c)) {
                        tr.add(' ');
                        tr.add(0);
                        tr.add(c);
                        tr.add(1);
                        tr.add(' ');
                        tr.add(1);
                    } else {
                        tr.add(c);
                        tr.add(0);
                    }
                }
                s.transform(tr, 0);
            }
        }
        boolean strip = stripAccents != null ? stripAccents : lowercase;
        if (strip) {
            s.normalize(Form.NFD);
            s.filter(c -> !UnicodeProps.isLegacyNonSpacingMark(c));
        }
        if (lowercase) s.lowercase();
    }
}
