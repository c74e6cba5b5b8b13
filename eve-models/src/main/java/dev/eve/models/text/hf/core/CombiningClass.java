package dev.eve.models.text.hf.core;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Canonical combining classes, as far as normalization needs them: 0 for starters and, for every other
 * mark, a rank that orders marks exactly as their combining classes do. The JDK does not expose the
 * classes, so they are read off its own normalizer once (which mark moves past which under NFD), which also
 * keeps them on the JDK's Unicode version.
 */
final class CombiningClass {

    private static final int HIGHEST = 0x0345; // ccc 240, the largest class
    private static final int LOWEST = 0x0334;  // ccc 1, the smallest non-zero class

    private static volatile int[] codePoints;
    private static volatile int[] ranks;

    private CombiningClass() {}

    static int of(int cp) {
        if (cp < 0x300 || !dev.eve.models.text.util.RustUnicode.hasCombiningClass(cp)) return 0;
        int[] cps = codePoints;
        if (cps == null) {
            init();
            cps = codePoints;
        }
        int i = Arrays.binarySearch(cps, cp);
        return i < 0 ? 0 : ranks[i];
    }

    private static String s(int... cps) {
        return new String(cps, 0, cps.length);
    }

    private static boolean swapped(int a, int b) {
        return Normalizer.normalize(s('a', a, b), Normalizer.Form.NFD).equals(s('a', b, a));
    }

    private static synchronized void init() {
        if (codePoints != null) return;
        List<Integer> marks = new ArrayList<>();
        for (int cp = 0x300; cp <= 0x10FFFF; cp++) {
            int t = Character.getType(cp);
            if (t != Character.NON_SPACING_MARK && t != Character.COMBINING_SPACING_MARK && t != Character.ENCLOSING_MARK) continue;
            String one = s(cp);
            if (!Normalizer.isNormalized(one, Normalizer.Form.NFD)) continue;
            boolean nonZero = swapped(HIGHEST, cp) || swapped(cp, LOWEST) || cp == HIGHEST || cp == LOWEST;
            if (nonZero) marks.add(cp);
        }
        // Order the marks by class: a after b when NFD moves b in front of a.
        marks.sort((a, b) -> a.equals(b) ? 0 : swapped(a, b) ? 1 : swapped(b, a) ? -1 : 0);
        int n = marks.size();
        int[] cps = new int[n];
        int[] rk = new int[n];
        int rank = 1;
        for (int i = 0; i < n; i++) {
            if (i > 0 && swapped(marks.get(i), marks.get(i - 1))) rank++;
            cps[i] = marks.get(i);
            rk[i] = rank;
        }
        // sort by code point for lookup
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> Integer.compare(cps[x], cps[y]));
        int[] c2 = new int[n], r2 = new int[n];
        for (int i = 0; i < n; i++) {
            c2[i] = cps[order[i]];
            r2[i] = rk[order[i]];
        }
        ranks = r2;
        codePoints = c2;
    }
}
