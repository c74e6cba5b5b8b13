package dev.eve.models.text.hf.core;

import dev.eve.models.text.TokenizerException;
import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.UnicodeProps;
import dev.eve.models.text.util.Utf8;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hugging Face's {@code NormalizedString}: an original string, its normalized form, and for every unit of
 * the normalized form the [start, end) range of the original it came from. Every transformation updates
 * the alignments with the same rules as the Rust code (including its quirks: an inserted character takes
 * the alignment of the character before it, a removal at the very start shifts the following alignments),
 * so token offsets come out identical. Offsets here are UTF-16 units (Rust uses bytes; both always fall on
 * character boundaries, so the conversion is exact).
 */
public final class NormalizedString {

    private final String original;
    private String normalized;
    private int[] alignStart;
    private int[] alignEnd;
    private final int originalShift;

    public NormalizedString(String s) {
        this.original = s;
        this.normalized = s;
        int n = s.length();
        alignStart = new int[n];
        alignEnd = new int[n];
        for (int i = 0; i < n; ) {
            int len = Character.charCount(s.codePointAt(i));
            for (int k = 0; k < len; k++) {
                alignStart[i + k] = i;
                alignEnd[i + k] = i + len;
            }
            i += len;
        }
        originalShift = 0;
    }

    private NormalizedString(String original, String normalized, int[] alignStart, int[] alignEnd, int originalShift) {
        this.original = original;
        this.normalized = normalized;
        this.alignStart = alignStart;
        this.alignEnd = alignEnd;
        this.originalShift = originalShift;
    }

    public String get() {
        return normalized;
    }

    public String original() {
        return original;
    }

    public boolean isEmpty() {
        return normalized.isEmpty();
    }

    public int length() {
        return normalized.length();
    }

    /** Offset of this (slice's) original in the whole input. */
    public int originalShift() {
        return originalShift;
    }

    /**
     * {@code convert_offsets(Range::Normalized(start..end))}: the original range of a normalized range, or
     * null. An empty range is returned unchanged (in normalized units: Hugging Face does the same).
     */
    public int[] normalizedToOriginal(int start, int end) {
        if (start == end) return new int[] {start, end};
        if (start > end || end > normalized.length()) return null;
        return new int[] {alignStart[start], alignEnd[end - 1]};
    }

    /** {@code convert_offsets(Range::Original(start..end))}: the normalized range of an original range, or null. */
    public int[] originalToNormalized(int start, int end) {
        if (start == end) return new int[] {start, end};
        if (start > end) return null;
        int s = -1, e = -1;
        for (int i = 0; i < alignStart.length; i++) {
            if (end < alignEnd[i]) break;
            if (s < 0 && start <= alignStart[i] && alignStart[i] != alignEnd[i]) s = i;
            e = i + 1;
        }
        if (s >= 0 && e < 0) return new int[] {s, s};
        if (s < 0 && e >= 0) return new int[] {e, e};
        if (s >= 0) return new int[] {s, e};
        return null;
    }

    /** A slice by normalized range, with its alignments made relative to its own original. */
    public NormalizedString slice(int start, int end) {
        if (start < 0 || end > normalized.length() || start > end || !boundary(start) || !boundary(end)) {
            throw new TokenizerException("NormalizedString bad split at [" + start + ", " + end + ")");
        }
        int[] orig = normalizedToOriginal(start, end);
        if (orig == null) throw new TokenizerException("NormalizedString bad split at [" + start + ", " + end + ")");
        int shift = orig[0];
        String o = orig[0] <= orig[1] && orig[1] <= original.length() ? original.substring(orig[0], orig[1]) : "";
        int n = end - start;
        int[] s = new int[n], e = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = alignStart[start + i] - shift;
            e[i] = alignEnd[start + i] - shift;
        }
        return new NormalizedString(o, normalized.substring(start, end), s, e, originalShift + shift);
    }

    private boolean boundary(int i) {
        return i == 0 || i == normalized.length() || !Character.isLowSurrogate(normalized.charAt(i))
                || !Character.isHighSurrogate(normalized.charAt(i - 1));
    }

    /**
     * {@code transform_range(Range::Normalized(start..end), dest, initialOffset)}: {@code dest} holds
     * (code point, change) pairs: change 0 replaces the next old character, +1 inserts a character, -N
     * replaces the next character and removes the N after it. {@code initialOffset} old characters are
     * removed before the first new one.
     */
    public void transformRange(int nStart, int nEnd, IntList dest, int initialOffset) {
        String old = normalized;
        int offset = nStart;
        int oldEnd = nEnd;
        // skip initialOffset characters
        for (int k = 0; k < initialOffset && offset < oldEnd; k++) offset += Character.charCount(old.codePointAt(offset));
        StringBuilder b = new StringBuilder(Math.max(16, dest.size() / 2 + 4));
        IntList ns = new IntList(dest.size() / 2 + 4), ne = new IntList(dest.size() / 2 + 4);
        int cursor = offset; // next old character to consume
        for (int k = 0; k < dest.size(); k += 2) {
            int c = dest.get(k), change = dest.get(k + 1);
            int idx = cursor;
            int as, ae;
            if (change > 0) {
                if (idx < 1) {
                    as = 0;
                    ae = 0;
                } else {
                    as = alignStart[idx - 1];
                    ae = alignEnd[idx - 1];
                }
            } else {
                // Reached by chains whose edits leave characters outside the original's range (a Replace
                // with a zero-width pattern, say) before a per-character transform: the changes computed
                // over the whole text no longer fit the range they are applied to.
                if (idx >= alignStart.length)
                    throw new TokenizerException("normalization alignment out of range: the normalizers' changes do not fit the text");
                as = alignStart[idx];
                ae = alignEnd[idx];
            }
            if (change <= 0 && cursor < oldEnd) cursor += Character.charCount(old.codePointAt(cursor));
            if (change < 0) {
                for (int r = 0; r < -change && cursor < oldEnd; r++) cursor += Character.charCount(old.codePointAt(cursor));
            }
            b.appendCodePoint(c);
            int units = Character.charCount(c);
            for (int u = 0; u < units; u++) {
                ns.add(as);
                ne.add(ae);
            }
        }
        int newLen = b.length();
        int total = nStart + newLen + (old.length() - nEnd);
        int[] s = new int[total], e = new int[total];
        System.arraycopy(alignStart, 0, s, 0, nStart);
        System.arraycopy(alignEnd, 0, e, 0, nStart);
        System.arraycopy(ns.raw(), 0, s, nStart, newLen);
        System.arraycopy(ne.raw(), 0, e, nStart, newLen);
        System.arraycopy(alignStart, nEnd, s, nStart + newLen, old.length() - nEnd);
        System.arraycopy(alignEnd, nEnd, e, nStart + newLen, old.length() - nEnd);
        normalized = old.substring(0, nStart) + b + old.substring(nEnd);
        alignStart = s;
        alignEnd = e;
    }

    /** {@code transform(dest, initialOffset)} over the whole string (the range of the full original). */
    public void transform(IntList dest, int initialOffset) {
        int[] r = originalToNormalized(0, original.length());
        if (r == null) return;
        transformRange(r[0], r[1], dest, initialOffset);
    }

    /** Keeps the characters for which {@code keep} is true. */
    public void filter(java.util.function.IntPredicate keep) {
        int removed = 0, removedStart = 0;
        IntList t = new IntList(normalized.length() * 2 + 2);
        int lastC = -1;
        for (int i = 0; i < normalized.length(); ) {
            int c = normalized.codePointAt(i);
            i += Character.charCount(c);
            if (keep.test(c)) {
                if (lastC >= 0) {
                    t.add(lastC);
                    t.add(-removed);
                } else {
                    removedStart = removed;
                }
                lastC = c;
                removed = 0;
            } else {
                removed++;
            }
        }
        if (lastC >= 0) {
            t.add(lastC);
            t.add(-removed);
        }
        transform(t, removedStart);
    }

    /** Replaces every character by {@code f(c)}. */
    public void map(java.util.function.IntUnaryOperator f) {
        IntList t = new IntList(normalized.length() * 2 + 2);
        for (int i = 0; i < normalized.length(); ) {
            int c = normalized.codePointAt(i);
            i += Character.charCount(c);
            t.add(f.applyAsInt(c));
            t.add(0);
        }
        transform(t, 0);
    }

    /** Rust's {@code to_lowercase} per character; extra characters are insertions. */
    public void lowercase() {
        IntList t = new IntList(normalized.length() * 2 + 2);
        StringBuilder tmp = new StringBuilder(4);
        for (int i = 0; i < normalized.length(); ) {
            int c = normalized.codePointAt(i);
            i += Character.charCount(c);
            tmp.setLength(0);
            UnicodeProps.appendRustLowercase(c, tmp);
            int k = 0;
            for (int j = 0; j < tmp.length(); ) {
                int d = tmp.codePointAt(j);
                j += Character.charCount(d);
                t.add(d);
                t.add(k++ > 0 ? 1 : 0);
            }
        }
        transform(t, 0);
    }

    /** Unicode normalization (NFD, NFKD, NFC, NFKC) with the alignment changes of unicode-normalization-alignments. */
    public void normalize(java.text.Normalizer.Form form) {
        if (Normalization.isIdentity(normalized, form)) return;
        transform(Normalization.changes(normalized, form), 0);
    }

    /** Prepends {@code s} (the new characters align with the first existing one). */
    public void prepend(String s) {
        if (normalized.isEmpty()) return;
        int next = normalized.codePointAt(0);
        IntList t = new IntList();
        int k = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            t.add(c);
            t.add(k++ != 0 ? 1 : 0);
        }
        t.add(next);
        t.add(1);
        transformRange(0, Character.charCount(next), t, 0);
    }

    /** Appends {@code s} (the new characters align with the last existing one). */
    public void append(String s) {
        IntList t = new IntList();
        if (!normalized.isEmpty()) {
            int lastStart = normalized.offsetByCodePoints(normalized.length(), -1);
            t.add(normalized.codePointAt(lastStart));
            t.add(0);
            addAll(t, s, 1);
            transformRange(lastStart, normalized.length(), t, 0);
        } else {
            addAll(t, s, 1);
            transformRange(0, 0, t, 0);
        }
    }

    private static void addAll(IntList t, String s, int change) {
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            t.add(c);
            t.add(change);
        }
    }

    /** Replaces every match of {@code pattern} by {@code content}. */
    public void replace(Pattern pattern, String content) {
        IntList m = new IntList();
        pattern.findMatches(normalized, m);
        StringBuilder b = new StringBuilder(normalized.length() + 8);
        IntList ns = new IntList(normalized.length() + 8), ne = new IntList(normalized.length() + 8);
        int lastEnd = 0;
        for (int k = 0; k < m.size(); k += 3) {
            if (m.get(k + 2) == 0) continue;
            int start = m.get(k), end = m.get(k + 1);
            b.append(normalized, lastEnd, start);
            for (int i = lastEnd; i < start; i++) {
                ns.add(alignStart[i]);
                ne.add(alignEnd[i]);
            }
            int idx = end; // after removing the matched characters
            int as = idx < 1 ? 0 : alignStart[idx - 1], ae = idx < 1 ? 0 : alignEnd[idx - 1];
            for (int i = 0; i < content.length(); i++) {
                b.append(content.charAt(i));
                ns.add(as);
                ne.add(ae);
            }
            lastEnd = end;
        }
        b.append(normalized, lastEnd, normalized.length());
        for (int i = lastEnd; i < normalized.length(); i++) {
            ns.add(alignStart[i]);
            ne.add(alignEnd[i]);
        }
        normalized = b.toString();
        alignStart = ns.toArray();
        alignEnd = ne.toArray();
    }

    /** Splits on {@code pattern}; the delimiter is handled per {@code behavior}. */
    public List<NormalizedString> split(Pattern pattern, SplitBehavior behavior) {
        IntList m = new IntList();
        pattern.findMatches(normalized, m);
        int n = m.size() / 3;
        // (start, end, remove) after applying the behavior
        IntList sp = new IntList(m.size());
        switch (behavior) {
            case ISOLATED -> {
                for (int k = 0; k < n; k++) sp.add(m.get(3 * k), m.get(3 * k + 1), 0);
            }
            case REMOVED -> {
                for (int k = 0; k < n; k++) sp.add(m.get(3 * k), m.get(3 * k + 1), m.get(3 * k + 2));
            }
            case CONTIGUOUS -> {
                boolean prevMatch = false;
                for (int k = 0; k < n; k++) {
                    boolean isMatch = m.get(3 * k + 2) == 1;
                    if (isMatch == prevMatch && sp.size() > 0) {
                        sp.set(sp.size() - 2, m.get(3 * k + 1));
                    } else {
                        sp.add(m.get(3 * k), m.get(3 * k + 1), 0);
                    }
                    prevMatch = isMatch;
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean prevMatch = false;
                for (int k = 0; k < n; k++) {
                    boolean isMatch = m.get(3 * k + 2) == 1;
                    if (isMatch && !prevMatch && sp.size() > 0) {
                        sp.set(sp.size() - 2, m.get(3 * k + 1));
                    } else {
                        sp.add(m.get(3 * k), m.get(3 * k + 1), 0);
                    }
                    prevMatch = isMatch;
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean prevMatch = false;
                IntList rev = new IntList(m.size());
                for (int k = n - 1; k >= 0; k--) {
                    boolean isMatch = m.get(3 * k + 2) == 1;
                    if (isMatch && !prevMatch && rev.size() > 0) {
                        rev.set(rev.size() - 3, m.get(3 * k));
                    } else {
                        rev.add(m.get(3 * k), m.get(3 * k + 1), 0);
                    }
                    prevMatch = isMatch;
                }
                for (int k = rev.size() / 3 - 1; k >= 0; k--) sp.add(rev.get(3 * k), rev.get(3 * k + 1), 0);
            }
        }
        List<NormalizedString> out = new ArrayList<>(sp.size() / 3);
        for (int k = 0; k < sp.size(); k += 3) {
            if (sp.get(k + 2) == 1) continue;
            out.add(slice(sp.get(k), sp.get(k + 1)));
        }
        return out;
    }

    public void lstrip() {
        lrstrip(true, false);
    }

    public void rstrip() {
        lrstrip(false, true);
    }

    public void strip() {
        lrstrip(true, true);
    }

    private void lrstrip(boolean left, boolean right) {
        int[] cps = normalized.codePoints().toArray();
        int count = cps.length;
        int leading = 0;
        if (left) while (leading < count && UnicodeProps.isWhiteSpace(cps[leading])) leading++;
        int trailing = 0;
        if (right) while (trailing < count && UnicodeProps.isWhiteSpace(cps[count - 1 - trailing])) trailing++;
        if (leading == 0 && trailing == 0) return;
        // Rust compares the character index with the BYTE length here; replicated.
        int byteLen = Utf8.length(normalized);
        IntList t = new IntList(count * 2);
        for (int i = 0; i < count; i++) {
            if (i < leading || i >= count - trailing) continue;
            t.add(cps[i]);
            t.add(i == byteLen - trailing - 1 ? -trailing : 0);
        }
        transform(t, leading);
    }

    @Override
    public String toString() {
        return "NormalizedString{" + normalized + " <- " + original + " " + Arrays.toString(alignStart) + "}";
    }
}
