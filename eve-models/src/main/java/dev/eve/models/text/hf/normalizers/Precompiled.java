package dev.eve.models.text.hf.normalizers;

import dev.eve.models.text.hf.core.NormalizedString;
import dev.eve.models.text.util.CharsMap;
import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.Utf8;

import java.text.BreakIterator;

/**
 * {@code Precompiled}: SentencePiece's character map read the way Hugging Face reads it. For each extended
 * grapheme cluster shorter than 6 UTF-8 bytes, the FIRST (shortest) rule matching a prefix of the cluster
 * replaces the whole cluster; otherwise each character is looked up on its own. No whitespace handling
 * (the converted pipeline does that with Strip, Replace and Metaspace).
 */
public final class Precompiled implements Normalizer {

    private final CharsMap map;

    public Precompiled(CharsMap map) {
        this.map = map;
    }

    private String transform(byte[] b, int from, int to) {
        long r = map.shortest(b, from, to);
        if (r < 0) return null;
        int off = (int) r;
        int end = map.replacementEnd(off);
        if (end < 0) return null;
        return Utf8.decodeLossy(map.table(), off, end - off);
    }

    private static void replace(IntList t, String oldPart, String newPart) {
        int oldCount = oldPart.codePointCount(0, oldPart.length());
        int newCount = newPart.codePointCount(0, newPart.length());
        int diff = newCount - oldCount;
        int firstNew = t.size();
        for (int i = 0; i < newPart.length(); ) {
            int c = newPart.codePointAt(i);
            i += Character.charCount(c);
            t.add(c);
            t.add(0);
        }
        if (diff > 0) {
            int n = t.size() / 2;
            for (int k = 0; k < diff && k < n; k++) t.set(t.size() - 1 - 2 * k, 1);
        } else if (diff < 0 && t.size() > 0) {
            t.set(t.size() - 1, t.get(t.size() - 1) + diff);
        }
        assert firstNew >= 0;
    }

    @Override
    public void normalize(NormalizedString s) {
        String text = s.get();
        IntList t = new IntList(text.length() * 2 + 8);
        boolean modified = false;
        BreakIterator it = BreakIterator.getCharacterInstance();
        it.setText(text);
        int start = it.first();
        for (int end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
            String g = text.substring(start, end);
            byte[] gb = Utf8.encode(g);
            if (gb.length < 6) {
                String norm = transform(gb, 0, gb.length);
                if (norm != null) {
                    modified = true;
                    replace(t, g, norm);
                    continue;
                }
            }
            int bo = 0;
            for (int i = 0; i < g.length(); ) {
                int c = g.codePointAt(i);
                int n = Character.charCount(c);
                int bl = Utf8.lengthOf(c);
                String norm = transform(gb, bo, bo + bl);
                if (norm != null) {
                    modified = true;
                    replace(t, g.substring(i, i + n), norm);
                } else {
                    t.add(c);
                    t.add(0);
                }
                i += n;
                bo += bl;
            }
        }
        if (modified) s.transform(t, 0);
    }
}
