package dev.eve.models.text.hf.core;

import dev.eve.models.text.Encoding;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Hugging Face's {@code PreTokenizedString}: the input cut into splits, each a {@link NormalizedString}
 * that may already carry its tokens (added tokens do). Pre-tokenizers split further, models tokenize the
 * splits that have no tokens yet, and {@link #toEncoding} maps every token back to code-point offsets of
 * the original input.
 */
public final class PreTokenizedString {

    private final String original;
    private List<Split> splits = new ArrayList<>();

    public PreTokenizedString(NormalizedString whole) {
        this.original = whole.original();
        splits.add(new Split(whole));
    }

    public String original() {
        return original;
    }

    public List<Split> splits() {
        return splits;
    }

    /** Replaces every split that has no tokens by what {@code fn} makes of it; empty results are dropped. */
    public void split(Function<NormalizedString, List<Split>> fn) {
        List<Split> next = new ArrayList<>(splits.size() + 4);
        for (Split s : splits) {
            if (s.tokens != null) {
                next.add(s);
                continue;
            }
            for (Split r : fn.apply(s.normalized)) {
                if (!r.normalized.isEmpty()) next.add(r);
            }
        }
        splits = next;
    }

    /** {@link #split} for functions that return plain normalized strings. */
    public void splitPlain(Function<NormalizedString, List<NormalizedString>> fn) {
        split(n -> {
            List<NormalizedString> parts = fn.apply(n);
            List<Split> out = new ArrayList<>(parts.size());
            for (NormalizedString p : parts) out.add(new Split(p));
            return out;
        });
    }

    /** Transforms every split that has no tokens in place. */
    public void normalize(Consumer<NormalizedString> fn) {
        for (Split s : splits) if (s.tokens == null) fn.accept(s.normalized);
    }

    /** Tokenizes every split that has no tokens. */
    public void tokenize(Function<String, List<Token>> model) {
        for (Split s : splits) if (s.tokens == null) s.tokens = model.apply(s.normalized.get());
    }

    /**
     * {@code into_encoding} with character offsets: all tokens in order, offsets mapped through the
     * splits' alignments to the original and converted to code points ({@code typeId} for every token).
     */
    public Encoding toEncoding(int typeId) {
        int count = 0;
        for (Split s : splits) count += s.tokens.size();
        int[] ids = new int[count];
        String[] pieces = new String[count];
        int[] offs = new int[2 * count];
        int k = 0;
        OffsetConverter conv = new OffsetConverter(original);
        for (Split s : splits) {
            NormalizedString n = s.normalized;
            int shift = n.originalShift();
            for (Token t : s.tokens) {
                int[] r = n.normalizedToOriginal(t.start(), t.end());
                int a, b;
                if (r == null) {
                    a = t.start();
                    b = t.end();
                } else {
                    a = shift + r[0];
                    b = shift + r[1];
                }
                conv.convert(a, b, offs, 2 * k);
                ids[k] = t.id();
                pieces[k] = t.value();
                k++;
            }
        }
        int[] type = new int[count];
        if (typeId != 0) java.util.Arrays.fill(type, typeId);
        int[] att = new int[count];
        java.util.Arrays.fill(att, 1);
        return new Encoding(ids, pieces, offs, type, new int[count], att);
    }

    /** Hugging Face's BytesToCharOffsetConverter, on UTF-16 offsets. */
    static final class OffsetConverter {
        private final String s;
        private final int[] cpAt; // null when UTF-16 == code points

        OffsetConverter(String s) {
            this.s = s;
            if (Offsets.hasSupplementary(s)) {
                cpAt = new int[s.length() + 1];
                int cp = 0;
                for (int i = 0; i < s.length(); ) {
                    int n = Character.charCount(s.codePointAt(i));
                    for (int j = 0; j < n; j++) cpAt[i + j] = cp;
                    i += n;
                    cp++;
                }
                cpAt[s.length()] = cp;
            } else {
                cpAt = null;
            }
        }

        private int cp(int i) {
            return cpAt == null ? i : cpAt[i];
        }

        void convert(int start, int end, int[] out, int at) {
            int len = s.length();
            if (start < 0 || start >= len || end < 0 || end > len) {
                // Rust keeps the (byte) offsets when the start is not a character of the input.
                out[at] = start >= 0 && start <= len ? Offsets.utf16ToUtf8(s, start) : start;
                out[at + 1] = end >= 0 && end <= len ? Offsets.utf16ToUtf8(s, end) : end;
                return;
            }
            out[at] = cp(start);
            out[at + 1] = end < len ? cp(end) : cp(end - 1) + 1;
        }
    }

    /** Convenience for tests and debugging: the normalized text of every split. */
    public List<String> splitTexts() {
        List<String> out = new ArrayList<>();
        for (Split s : splits) out.add(s.normalized.get());
        return out;
    }
}
