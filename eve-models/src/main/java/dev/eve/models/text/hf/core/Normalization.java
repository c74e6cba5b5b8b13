package dev.eve.models.text.hf.core;

import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.RustUnicode;

import java.text.Normalizer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unicode normalization that also reports, per output character, the alignment change Hugging Face's
 * {@code unicode-normalization-alignments} reports: decomposition emits the first character of each
 * decomposition as a replacement (0) and the rest as insertions (+1), canonical reordering moves those
 * flags with their characters, and each composition folds the second character into the first
 * ({@code first + second - 1}). The characters themselves are the JDK's normalization.
 */
public final class Normalization {

    private static final ConcurrentHashMap<Integer, int[]> CANONICAL = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Integer, int[]> COMPAT = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Long, Integer> COMPOSE = new ConcurrentHashMap<>();

    private Normalization() {}

    /** True when the transformation leaves string and alignments unchanged. */
    static boolean isIdentity(String s, Normalizer.Form form) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x300) return false;
        return Normalizer.isNormalized(s, form);
    }

    private static int[] decompose(int cp, boolean compat) {
        if (cp < 0xA0) return null;
        if (compat ? !RustUnicode.hasCompatDecomposition(cp) : !RustUnicode.hasCanonicalDecomposition(cp)) return null;
        var cache = compat ? COMPAT : CANONICAL;
        int[] d = cache.get(cp);
        if (d == null) {
            String one = new String(Character.toChars(cp));
            String n = Normalizer.normalize(one, compat ? Normalizer.Form.NFKD : Normalizer.Form.NFD);
            d = n.equals(one) ? new int[0] : n.codePoints().toArray();
            cache.put(cp, d);
        }
        return d.length == 0 ? null : d;
    }

    /** The primary composite of a starter and a following character, or -1. */
    static int compose(int a, int b) {
        long key = ((long) a << 21) | b;
        Integer r = COMPOSE.get(key);
        if (r == null) {
            String pair = new String(new int[] {a, b}, 0, 2);
            String c = Normalizer.normalize(pair, Normalizer.Form.NFC);
            int res = -1;
            if (c.codePointCount(0, c.length()) == 1) {
                String expect = Normalizer.normalize(new String(Character.toChars(a)), Normalizer.Form.NFD)
                        + new String(Character.toChars(b));
                if (Normalizer.normalize(c, Normalizer.Form.NFD).equals(expect) && RustUnicode.hasCanonicalDecomposition(c.codePointAt(0))) {
                    res = c.codePointAt(0);
                }
            }
            COMPOSE.put(key, res);
            r = res;
        }
        return r;
    }

    /** (code point, change) pairs of the NFD/NFKD of {@code s}, in output order. */
    static IntList decompositions(String s, boolean compat) {
        IntList ch = new IntList(s.length() + 8);   // code points
        IntList chg = new IntList(s.length() + 8);  // changes
        IntList cls = new IntList(s.length() + 8);  // combining classes
        int readyEnd = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            int[] d = decompose(c, compat);
            if (d == null) {
                readyEnd = push(ch, chg, cls, readyEnd, c, 0);
            } else {
                for (int k = 0; k < d.length; k++) readyEnd = push(ch, chg, cls, readyEnd, d[k], k == 0 ? 0 : 1);
            }
        }
        sortPending(ch, chg, cls, readyEnd);
        IntList out = new IntList(ch.size() * 2);
        for (int k = 0; k < ch.size(); k++) {
            out.add(ch.get(k));
            out.add(chg.get(k));
        }
        return out;
    }

    private static int push(IntList ch, IntList chg, IntList cls, int readyEnd, int c, int change) {
        int k = CombiningClass.of(c);
        if (k == 0) {
            sortPending(ch, chg, cls, readyEnd);
            readyEnd = ch.size();
        }
        ch.add(c);
        chg.add(change);
        cls.add(k);
        return readyEnd;
    }

    /** Stable sort of [from, size) by combining class (insertion sort: runs are short). */
    private static void sortPending(IntList ch, IntList chg, IntList cls, int from) {
        int n = ch.size();
        for (int i = from + 1; i < n; i++) {
            int c = ch.get(i), g = chg.get(i), k = cls.get(i);
            int j = i - 1;
            while (j >= from && cls.get(j) > k) {
                ch.set(j + 1, ch.get(j));
                chg.set(j + 1, chg.get(j));
                cls.set(j + 1, cls.get(j));
                j--;
            }
            ch.set(j + 1, c);
            chg.set(j + 1, g);
            cls.set(j + 1, k);
        }
    }

    /** (code point, change) pairs of the normalization of {@code s} in the given form. */
    static IntList changes(String s, Normalizer.Form form) {
        boolean compat = form == Normalizer.Form.NFKD || form == Normalizer.Form.NFKC;
        IntList dec = decompositions(s, compat);
        if (form == Normalizer.Form.NFD || form == Normalizer.Form.NFKD) return dec;
        return recompose(dec);
    }

    /** The Recompositions iterator of unicode-normalization-alignments over decomposed pairs. */
    private static IntList recompose(IntList dec) {
        IntList out = new IntList(dec.size());
        IntList buffer = new IntList(); // pairs
        boolean hasComposee = false;
        int kc = 0, kchg = 0;
        int lastCcc = -1; // -1 = None
        for (int p = 0; p < dec.size(); p += 2) {
            int ch = dec.get(p), change = dec.get(p + 1);
            int chClass = CombiningClass.of(ch);
            if (!hasComposee) {
                if (chClass != 0) {
                    out.add(ch);
                    out.add(change);
                    continue;
                }
                hasComposee = true;
                kc = ch;
                kchg = change;
                continue;
            }
            if (lastCcc < 0) {
                int r = compose(kc, ch);
                if (r >= 0) {
                    kc = r;
                    kchg = kchg + change - 1;
                    continue;
                }
                if (chClass == 0) {
                    out.add(kc);
                    out.add(kchg);
                    kc = ch;
                    kchg = change;
                    continue;
                }
                buffer.add(ch);
                buffer.add(change);
                lastCcc = chClass;
            } else {
                if (lastCcc >= chClass) {
                    if (chClass == 0) {
                        out.add(kc);
                        out.add(kchg);
                        for (int b = 0; b < buffer.size(); b++) out.add(buffer.get(b));
                        buffer.clear();
                        kc = ch;
                        kchg = change;
                        lastCcc = -1;
                        continue;
                    }
                    buffer.add(ch);
                    buffer.add(change);
                    lastCcc = chClass;
                    continue;
                }
                int r = compose(kc, ch);
                if (r >= 0) {
                    kc = r;
                    kchg = kchg + change - 1;
                    continue;
                }
                buffer.add(ch);
                buffer.add(change);
                lastCcc = chClass;
            }
        }
        if (hasComposee) {
            out.add(kc);
            out.add(kchg);
        }
        for (int b = 0; b < buffer.size(); b++) out.add(buffer.get(b));
        return out;
    }
}
